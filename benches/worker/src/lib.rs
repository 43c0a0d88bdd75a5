//! The smallest edgemcp Worker: the benchmark's two tools (`echo`, `add`) and nothing
//! else. `scripts/bench worker` serves it on bare workerd beside the official TypeScript
//! SDK's Worker; `scripts/size` reports its bundle as the minimal Worker.
//!
//! Empty except on wasm32: build it with `scripts/build-worker benches/worker`.

#![cfg(target_arch = "wasm32")]

use edgemcp::tool::ToolSet;
use edgemcp::Server;
use wasm_bindgen::JsValue;

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

fn build(env: &JsValue) -> edgemcp::Result<Server> {
    Server::builder("bench-worker", env!("CARGO_PKG_VERSION"))
        .tools(Bench.into_tools())
        .build(edgemcp_worker::runtime(env)?)
}

edgemcp_worker::fetch_handler!(build);
