struct Empty;

#[edgemcp::tools]
impl Empty {
    fn helper(&self) {}
}

struct Generic;

#[edgemcp::tools]
impl Generic {
    /// Generic.
    #[tool]
    fn any<T>(&self, value: String) -> String {
        value
    }
}

fn main() {}
