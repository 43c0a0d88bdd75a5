//! `initialize` (2025 revisions) and `server/discover` (2026-07-28): what the server is
//! and can do.

use crate::jsonrpc::describe;
use crate::protocol::ProtocolVersion;
use crate::server::reply::{Failure, Params};
use crate::server::Server;
use serde_json::{json, Map, Value};

impl Server {
    /// `initialize`: the negotiated revision, the capabilities it has, and who we are.
    pub(in crate::server) fn initialize(&self, params: &Params) -> Result<Params, Failure> {
        let requested = match params.get("protocolVersion") {
            Some(Value::String(v)) => v,
            other => {
                return Err(Failure::invalid_params(format!(
                    "`protocolVersion` must be a string such as \"{}\", received {}.",
                    ProtocolVersion::LATEST_SESSION,
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let version = ProtocolVersion::negotiate(requested);
        let mut info = json!(self.inner.info);
        if !version.has_titles() {
            if let Some(info) = info.as_object_mut() {
                info.remove("title");
            }
        }
        let mut capabilities = self.inner.capabilities.clone();
        self.add_task_capabilities(&mut capabilities, version);
        let mut out = Map::new();
        out.insert("protocolVersion".into(), json!(version.as_str()));
        out.insert("capabilities".into(), capabilities);
        out.insert("serverInfo".into(), info);
        if let Some(instructions) = &self.inner.instructions {
            out.insert("instructions".into(), json!(instructions));
        }
        Ok(out)
    }

    /// `server/discover`: every revision spoken, and the capabilities of the newest.
    pub(in crate::server) fn discover(&self) -> Params {
        let mut out = Map::new();
        let versions: Vec<&str> = ProtocolVersion::ALL
            .iter()
            .rev()
            .map(|v| v.as_str())
            .collect();
        out.insert("supportedVersions".into(), json!(versions));
        let mut capabilities = self.inner.capabilities.clone();
        self.add_task_capabilities(&mut capabilities, ProtocolVersion::LATEST);
        out.insert("capabilities".into(), capabilities);
        if let Some(instructions) = &self.inner.instructions {
            out.insert("instructions".into(), json!(instructions));
        }
        out
    }
}
