//! edgemcp under test: the two tools of the comparison (`echo`, `add`) written with
//! `#[edgemcp::tools]` and served by `edgemcp_native::main` on `$PORT`, as a server of
//! one's own is (request log on at `info`; `EDGEMCP_*` settings from the environment).

use edgemcp::tool::ToolSet;
use edgemcp::Server;

struct Bench;

#[edgemcp::tools]
impl Bench {
    /// Returns its text.
    #[tool(read_only)]
    fn echo(&self, text: String) -> String {
        text
    }

    /// Adds two integers.
    #[tool(read_only)]
    fn add(&self, a: i64, b: i64) -> String {
        a.saturating_add(b).to_string()
    }
}

fn main() -> std::process::ExitCode {
    edgemcp_native::main(|runtime| {
        Server::builder("bench-edgemcp", "0.1.0")
            .settings_from_vars(|name| std::env::var(name).ok())?
            .tools(Bench.into_tools())
            .build(runtime)
    })
}
