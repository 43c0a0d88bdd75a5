//! The scopes the toolkit tools need when access control is on.

/// The scope the toolkits' read tools need when access control is on.
pub const READ_SCOPE: &str = "mcp:read";
/// The scope the toolkits' write tools (`kv_put`, `kv_delete`, `blob_put`, `blob_delete`,
/// `sql_execute`) need when access control is on.
pub const WRITE_SCOPE: &str = "mcp:write";
