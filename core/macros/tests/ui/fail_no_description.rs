struct Quiet;

#[edgemcp::tools]
impl Quiet {
    #[tool]
    fn say(&self) -> String {
        String::new()
    }
}

fn main() {}
