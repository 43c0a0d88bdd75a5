struct Tools;

#[edgemcp::tools]
impl Tools {
    /// Unknown argument.
    #[tool(readonly)]
    fn a(&self) -> String {
        String::new()
    }
}

struct Both;

#[edgemcp::tools]
impl Both {
    /// Contradictory hints.
    #[tool(read_only, destructive)]
    fn b(&self) -> String {
        String::new()
    }
}

struct Task;

#[edgemcp::tools]
impl Task {
    /// Unknown task support.
    #[tool(task = "sometimes")]
    fn c(&self) -> String {
        String::new()
    }
}

fn main() {}
