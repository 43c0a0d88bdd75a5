//! # edgemcp
//!
//! The core of edgemcp: an MCP (Model Context Protocol) server that has no async runtime
//! of its own and no platform APIs, so the same server runs on Cloudflare Workers
//! (WebAssembly), natively (Cloud Run, AWS Lambda, stdio) and inside JavaScript hosts.
//!
//! - [`Server::builder`] registers [`Tool`]s, [`Resource`]s, [`ResourceTemplate`]s and
//!   [`Prompt`]s and freezes them into a [`Server`].
//! - [`Server::handle_http`] is Streamable HTTP as a pure function:
//!   [`http::HttpRequest`] in, [`http::HttpResponse`] out.
//! - [`Server::handle_message`] serves transports that carry bare JSON-RPC (stdio, a
//!   message port), each message from a [`Caller`] that access control admits or refuses.
//! - The host passes a [`runtime::Runtime`] (clock, timer, random bytes); the core never
//!   reads the system clock or sleeps by itself.
//! - [`storage`] holds the `KvStore`, `SqlDatabase` and `BlobStore` traits hosts
//!   implement, with in-memory versions for tests.
//! - [`workflow`] makes prompts that run a chain of tool calls on the server, checked
//!   against the tools when the server is built.
//! - [`client`] is a small MCP client over any transport (`edgemcp test` is built on it).
//!
//! One server speaks MCP revisions 2025-03-26, 2025-06-18, 2025-11-25 and the stateless
//! 2026-07-28, choosing per request.
//!
//! ```
//! use edgemcp::{Server, Tool, runtime::Runtime, http::HttpRequest};
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Greet { name: String }
//!
//! #[derive(Serialize, JsonSchema)]
//! struct Greeting { message: String }
//!
//! let server = Server::builder("greeter", "1.0.0")
//!     .tool(Tool::typed("greet", "Greets someone by name.", |args: Greet, _cx| async move {
//!         Ok(Greeting { message: format!("Hello, {}!", args.name) })
//!     }))
//!     .build(Runtime::for_tests(0))?;
//!
//! let request = HttpRequest::new("POST", "/mcp")
//!     .header("content-type", "application/json")
//!     .header("mcp-protocol-version", "2025-06-18")
//!     .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"greet","arguments":{"name":"Ada"}}}"#);
//! let response = futures_executor::block_on(server.handle_http(request));
//! let body = futures_executor::block_on(response.collect_body());
//! let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
//! assert_eq!(json["result"]["structuredContent"]["message"], "Hello, Ada!");
//! # Ok::<(), edgemcp::Error>(())
//! ```

#![deny(missing_docs)]
// On wasm32 there is one thread and handlers need not be `Send`; `Arc` keeps one set of
// types for both targets (see `runtime::MaybeSend`).
#![cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]

pub mod auth;
mod base64;
pub mod client;
mod error;
mod hmac;
pub mod http;
pub mod jsonrpc;
pub mod middleware;
pub mod prompt;
pub mod protocol;
pub mod redact;
pub mod resource;
pub mod runtime;
mod server;
pub mod storage;
pub mod telemetry;
pub mod tool;
pub mod toolkit;
mod util;
pub mod workflow;

pub use auth::Caller;
pub use error::{Error, ErrorKind, Result};
pub use prompt::{Prompt, PromptArgument, PromptMessage};
pub use resource::{Resource, ResourceTemplate};
pub use server::{
    Cancellation, Cancelled, Notifier, Outcome, Readiness, Reply, RequestContext, Server,
    ServerBuilder, Session, TaskDelegate, TaskSettings, DEFAULT_PAGE_SIZE, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_STATE_TTL, DEFAULT_TOOL_TIMEOUT,
};
pub use tool::{Tool, ToolResult};

/// Makes the `#[tool]` methods of an impl block tools (see [`tool::ToolSet`]).
#[cfg(feature = "macros")]
pub use edgemcp_macros::tools;
