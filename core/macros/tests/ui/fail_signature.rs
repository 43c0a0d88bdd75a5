struct Counter;

#[edgemcp::tools]
impl Counter {
    /// Mutable state.
    #[tool]
    fn bump(&mut self) -> String {
        String::new()
    }
}

fn main() {}
