struct Borrower;

#[edgemcp::tools]
impl Borrower {
    /// Borrows its argument.
    #[tool]
    fn echo(&self, text: &str) -> String {
        text.to_owned()
    }
}

fn main() {}
