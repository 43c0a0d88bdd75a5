struct Numbers;

#[edgemcp::tools]
impl Numbers {
    /// Returns a number, which is no tool result.
    #[tool]
    fn count(&self) -> usize {
        3
    }
}

fn main() {}
