//! The MCP client's native transports: Streamable HTTP to a URL, and newline-delimited
//! JSON-RPC over a child process's stdin and stdout. [`edgemcp::client::Client`] does the
//! protocol; these only carry messages.

mod command_line;
mod http;
mod stdio;

pub use command_line::split_command_line;
pub use http::HttpTransport;
pub use stdio::StdioTransport;
