//! MCP revisions, method names and the wire shapes shared by every revision.

pub mod methods;
mod revision;
mod types;

pub use revision::{ProtocolVersion, UnknownVersion};
pub use types::*;

/// `_meta` key carrying the revision of a stateless (2026-07-28) request.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key carrying the client's capabilities on a stateless request.
pub const META_CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key carrying the client's name and version on a stateless request.
pub const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key carrying the log level a stateless request opts in to.
pub const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key carrying the server's name and version on a stateless result.
pub const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// `_meta` key tying a message to the task it belongs to (2025-11-25).
pub const META_RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// The name of the tasks extension (2026-07-28), under `capabilities.extensions`.
pub const EXTENSION_TASKS: &str = "io.modelcontextprotocol/tasks";

/// Error codes MCP adds to JSON-RPC's.
pub mod codes {
    /// A resource URI that names nothing (2025 revisions; 2026-07-28 uses -32602).
    pub const RESOURCE_NOT_FOUND: i64 = -32002;
    /// HTTP headers disagree with the body, or a required header is missing (2026-07-28).
    pub const HEADER_MISMATCH: i64 = -32020;
    /// The request needs a client capability the client did not declare (2026-07-28).
    pub const MISSING_CLIENT_CAPABILITY: i64 = -32021;
    /// The requested protocol revision is not supported (2026-07-28).
    pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
}
