//! What the native SQL tests share: a data folder with the sample store, the server built
//! on it as `edgemcp` builds it, and `sql_query` calls through the server's HTTP function.

#![allow(dead_code, unreachable_pub)]

pub mod differential;

use edgemcp::http::HttpRequest;
use edgemcp::Server;
use edgemcp_native::config::NativeConfig;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// A data folder holding the sample store, and the server built on it.
pub struct SampleStore {
    /// The folder; removed when the store is dropped.
    pub dir: tempfile::TempDir,
    /// The server, as `edgemcp serve` builds it from these settings.
    pub server: Server,
}

impl SampleStore {
    /// A new data folder with the migrations applied, and the server with `vars` set.
    pub fn new(vars: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = build_server(dir.path(), vars).unwrap();
        SampleStore { dir, server }
    }

    /// The SQL toolkit's database file.
    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("db.sqlite")
    }

    /// Calls `sql_query` with `arguments`; the tool result, or the JSON-RPC error object.
    pub async fn sql_query(&self, arguments: Value) -> Value {
        call_tool(&self.server, "sql_query", arguments).await
    }
}

/// The server `edgemcp serve` builds on the data folder `dir` (applying the migrations)
/// with the variables `vars` set.
pub fn build_server(dir: &Path, vars: &[(&str, &str)]) -> edgemcp::Result<Server> {
    let migrations = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let args: Vec<String> = [
        "serve",
        "--data-dir",
        dir.to_str().unwrap(),
        "--migrations-dir",
        migrations.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    edgemcp_native::build_server(&NativeConfig::parse(&args, env)?)
}

/// Calls tool `name` over Streamable HTTP (revision 2025-11-25, no session); the result,
/// or the JSON-RPC error object.
pub async fn call_tool(server: &Server, name: &str, arguments: Value) -> Value {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    });
    let request = HttpRequest::new("POST", "/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(serde_json::to_vec(&body).unwrap());
    let response = server.handle_http(request).await;
    let reply: Value = serde_json::from_slice(&response.collect_body().await).unwrap();
    if reply.get("error").is_some() {
        reply["error"].clone()
    } else {
        reply["result"].clone()
    }
}

/// The text a tool result or error carries.
pub fn text_of(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .or_else(|| result["message"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// Whether `result` is a refusal: an `isError` result or a JSON-RPC error.
pub fn is_refusal(result: &Value) -> bool {
    result["isError"] == true || result.get("code").is_some()
}

/// The number of rows of `table` in the database at `path`, read on a connection of its
/// own.
pub fn count_rows(path: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |row| {
        row.get(0)
    })
    .unwrap()
}
