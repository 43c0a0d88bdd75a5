//! A small MCP client over an abstract transport, built on the core's own protocol types.
//!
//! [`Client::connect`] finds a revision both sides speak: it asks `server/discover` in
//! the stateless 2026-07-28 way first and falls back to `initialize` (2025-11-25 and
//! older) when the server does not answer it. After that every call is the same whatever
//! the revision: the client adds the `_meta` a stateless request carries and the HTTP
//! headers the revision asks for (`Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`), and returns
//! each result as JSON.
//!
//! The transport is the host's: [`InProcess`] serves a [`Server`](crate::Server) in the
//! same process; the native host adds Streamable HTTP and a child process's stdio.
//!
//! ```
//! use edgemcp::client::{Client, InProcess};
//! use edgemcp::{runtime::Runtime, Server, Tool, ToolResult};
//! use serde_json::json;
//!
//! let server = Server::builder("echo", "1.0.0")
//!     .tool(Tool::untyped("echo", "Echoes its text.", json!({"type": "object"}), |args, _cx| async move {
//!         Ok(ToolResult::text(args["text"].as_str().unwrap_or_default()))
//!     }))
//!     .build(Runtime::for_tests(0))?;
//! futures_executor::block_on(async {
//!     let client = Client::connect(InProcess::new(server), "docs", "1.0").await?;
//!     assert_eq!(client.version().as_str(), "2026-07-28");
//!     let result = client.call_tool("echo", json!({"text": "hi"})).await?;
//!     assert_eq!(result["content"][0]["text"], "hi");
//!     Ok::<(), edgemcp::client::ClientError>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod http_answer;
mod in_process;
pub mod sse;
mod transport;

pub use error::ClientError;
pub use http_answer::read_http_answer;
pub use in_process::InProcess;
pub use transport::{ClientTransport, Outgoing};

use crate::http::headers::{encode_header_value, param_headers};
use crate::jsonrpc::{ErrorObject, METHOD_NOT_FOUND};
use crate::protocol::{
    codes, methods, Implementation, ProtocolVersion, META_CLIENT_CAPABILITIES, META_CLIENT_INFO,
    META_PROTOCOL_VERSION,
};
use crate::tool::{mirrored_params, MirroredParam};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// How many pages a listing follows before it stops: a server whose cursors never end
/// would otherwise keep the client busy forever.
const MAX_PAGES: usize = 1000;

/// A connection to one MCP server, in the revision both sides chose.
pub struct Client<T> {
    transport: T,
    info: Implementation,
    version: ProtocolVersion,
    server: Map<String, Value>,
    next_id: AtomicI64,
    /// The mirrored parameters of each tool seen in `tools/list`, for `Mcp-Param-*`.
    mirrored: Mutex<HashMap<String, Arc<[MirroredParam]>>>,
}

impl<T: ClientTransport> Client<T> {
    /// Connects in the newest revision the server speaks: 2026-07-28 when it answers
    /// `server/discover`, otherwise what `initialize` negotiates.
    ///
    /// # Errors
    /// The transport's error, or [`ClientError::Unsupported`] when the server offers no
    /// revision this client speaks.
    pub async fn connect(
        transport: T,
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Result<Self, ClientError> {
        Self::connect_with(transport, Implementation::new(name, version), None).await
    }

    /// Connects in `revision` when given (failing if the server does not speak it), or
    /// as [`Client::connect`] does.
    ///
    /// # Errors
    /// As [`Client::connect`].
    pub async fn connect_with(
        transport: T,
        info: Implementation,
        revision: Option<ProtocolVersion>,
    ) -> Result<Self, ClientError> {
        let mut client = Client {
            transport,
            info,
            version: ProtocolVersion::LATEST,
            server: Map::new(),
            next_id: AtomicI64::new(1),
            mirrored: Mutex::new(HashMap::new()),
        };
        let wanted = revision.unwrap_or(ProtocolVersion::LATEST);
        if wanted.is_stateless() {
            match client.discover().await {
                Ok(()) => return Ok(client),
                Err(err) if revision.is_none() && falls_back(&err) => {}
                Err(err) => return Err(err),
            }
        }
        client
            .initialize(revision.unwrap_or(ProtocolVersion::LATEST_SESSION))
            .await?;
        Ok(client)
    }

    async fn discover(&mut self) -> Result<(), ClientError> {
        self.version = ProtocolVersion::LATEST;
        let result = self.request(methods::SERVER_DISCOVER, Map::new()).await?;
        let speaks = result
            .get("supportedVersions")
            .and_then(Value::as_array)
            .is_some_and(|versions| {
                versions
                    .iter()
                    .any(|v| v.as_str() == Some(ProtocolVersion::LATEST.as_str()))
            });
        if !speaks {
            return Err(ClientError::Unsupported(format!(
                "server/discover does not list {}",
                ProtocolVersion::LATEST
            )));
        }
        self.server = result.as_object().cloned().unwrap_or_default();
        Ok(())
    }

    async fn initialize(&mut self, revision: ProtocolVersion) -> Result<(), ClientError> {
        self.version = revision;
        let mut params = Map::new();
        params.insert("protocolVersion".into(), json!(revision.as_str()));
        params.insert("capabilities".into(), json!({}));
        params.insert("clientInfo".into(), json!(self.info));
        let result = self.request(methods::INITIALIZE, params).await?;
        let chosen = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        self.version = chosen
            .parse::<ProtocolVersion>()
            .ok()
            .filter(|v| !v.is_stateless())
            .ok_or_else(|| {
                ClientError::Unsupported(format!("the server chose protocol version {chosen:?}"))
            })?;
        self.server = result.as_object().cloned().unwrap_or_default();
        self.notify(methods::NOTIFICATION_INITIALIZED, Map::new())
            .await
    }

    /// The transport, for what only it can do (an HTTP transport's plain GETs).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The revision this connection speaks.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// What the server said about itself: `serverInfo` (from `initialize`; a stateless
    /// server names itself in each result's `_meta` instead), `capabilities`,
    /// `instructions`, and for 2026-07-28 `supportedVersions`.
    pub fn server(&self) -> &Map<String, Value> {
        &self.server
    }

    /// Sends a request and returns its result.
    ///
    /// # Errors
    /// [`ClientError::Rpc`] when the server answers with an error; the transport's error
    /// when the message does not get through.
    pub async fn request(
        &self,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<Value, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (message, headers) = self.frame(Some(id), method, params);
        let response = self
            .transport
            .send(Outgoing {
                message: &message,
                expects_response: true,
                headers: &headers,
            })
            .await?
            .ok_or_else(|| ClientError::InvalidResponse(format!("no response to {method}")))?;
        read_response(response, id)
    }

    /// Sends a notification.
    ///
    /// # Errors
    /// The transport's error.
    pub async fn notify(
        &self,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<(), ClientError> {
        let (message, headers) = self.frame(None, method, params);
        self.transport
            .send(Outgoing {
                message: &message,
                expects_response: false,
                headers: &headers,
            })
            .await
            .map(|_| ())
    }

    /// Every tool the server lists, following cursors.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn list_tools(&self) -> Result<Vec<Value>, ClientError> {
        let tools = self.list_all(methods::TOOLS_LIST, "tools").await?;
        if let Ok(mut mirrored) = self.mirrored.lock() {
            for tool in &tools {
                let (Some(name), Some(schema)) = (tool["name"].as_str(), tool.get("inputSchema"))
                else {
                    continue;
                };
                // A schema whose annotations are invalid mirrors nothing; the server
                // refused it or will say why.
                let params = mirrored_params(schema).unwrap_or_default();
                mirrored.insert(name.to_owned(), params.into());
            }
        }
        Ok(tools)
    }

    /// Calls tool `name` and returns its result (`content`, `structuredContent`,
    /// `isError`); a tool that failed is a result with `isError: true`, not an error.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn call_tool(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        let mut params = Map::new();
        params.insert("name".into(), json!(name));
        params.insert("arguments".into(), arguments);
        self.request(methods::TOOLS_CALL, params).await
    }

    /// Every resource the server lists, following cursors.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn list_resources(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all(methods::RESOURCES_LIST, "resources").await
    }

    /// Every resource template the server lists, following cursors.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn list_resource_templates(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all(methods::RESOURCES_TEMPLATES_LIST, "resourceTemplates")
            .await
    }

    /// Reads resource `uri`.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn read_resource(&self, uri: &str) -> Result<Value, ClientError> {
        let mut params = Map::new();
        params.insert("uri".into(), json!(uri));
        self.request(methods::RESOURCES_READ, params).await
    }

    /// Every prompt the server lists, following cursors.
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn list_prompts(&self) -> Result<Vec<Value>, ClientError> {
        self.list_all(methods::PROMPTS_LIST, "prompts").await
    }

    /// Renders prompt `name` with `arguments` (an object of strings).
    ///
    /// # Errors
    /// As [`Client::request`].
    pub async fn get_prompt(&self, name: &str, arguments: Value) -> Result<Value, ClientError> {
        let mut params = Map::new();
        params.insert("name".into(), json!(name));
        params.insert("arguments".into(), arguments);
        self.request(methods::PROMPTS_GET, params).await
    }

    /// Follows `method`'s cursors and gathers the `key` arrays of every page.
    async fn list_all(&self, method: &str, key: &str) -> Result<Vec<Value>, ClientError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut params = Map::new();
            if let Some(cursor) = cursor.take() {
                params.insert("cursor".into(), json!(cursor));
            }
            let page = self.request(method, params).await?;
            match page.get(key) {
                Some(Value::Array(list)) => items.extend(list.iter().cloned()),
                _ => {
                    return Err(ClientError::InvalidResponse(format!(
                        "the {method} result has no `{key}` array"
                    )))
                }
            }
            match page.get("nextCursor").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => cursor = Some(next.to_owned()),
                _ => return Ok(items),
            }
        }
        Err(ClientError::InvalidResponse(format!(
            "{method} kept returning a next cursor after {MAX_PAGES} pages"
        )))
    }

    /// The JSON-RPC message for `method`, with the `_meta` and headers this revision
    /// asks for.
    fn frame(
        &self,
        id: Option<i64>,
        method: &str,
        mut params: Map<String, Value>,
    ) -> (Value, Vec<(String, String)>) {
        let mut headers = vec![(
            "MCP-Protocol-Version".to_owned(),
            self.version.as_str().to_owned(),
        )];
        if self.version.is_stateless() {
            let meta = params
                .entry("_meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(meta) = meta {
                meta.insert(META_PROTOCOL_VERSION.into(), json!(self.version.as_str()));
                meta.entry(META_CLIENT_CAPABILITIES)
                    .or_insert_with(|| json!({}));
                meta.insert(META_CLIENT_INFO.into(), json!(self.info));
            }
            headers.push(("Mcp-Method".to_owned(), method.to_owned()));
            let named = match method {
                methods::TOOLS_CALL | methods::PROMPTS_GET => params.get("name"),
                methods::RESOURCES_READ => params.get("uri"),
                _ => None,
            };
            if let Some(name) = named.and_then(Value::as_str) {
                headers.push(("Mcp-Name".to_owned(), encode_header_value(name)));
                if method == methods::TOOLS_CALL {
                    let mirrored = self.mirrored.lock().ok().and_then(|m| m.get(name).cloned());
                    if let Some(mirrored) = mirrored {
                        headers.extend(param_headers(&mirrored, params.get("arguments")));
                    }
                }
            }
        }
        let mut message = Map::new();
        message.insert("jsonrpc".into(), json!("2.0"));
        if let Some(id) = id {
            message.insert("id".into(), json!(id));
        }
        message.insert("method".into(), json!(method));
        message.insert("params".into(), Value::Object(params));
        (Value::Object(message), headers)
    }
}

/// Whether a failed `server/discover` means "try `initialize`": the server does not
/// know the method or the revision, or its HTTP layer refused the stateless request.
fn falls_back(err: &ClientError) -> bool {
    match err {
        ClientError::Rpc(error) => {
            error.code == METHOD_NOT_FOUND
                || error.code == codes::UNSUPPORTED_PROTOCOL_VERSION
                || error.code == crate::jsonrpc::INVALID_REQUEST
                || error.code == crate::jsonrpc::INVALID_PARAMS
        }
        ClientError::Http { status, .. } => matches!(status, 400 | 404 | 405 | 406 | 415),
        ClientError::Unsupported(_) => true,
        _ => false,
    }
}

/// The result of `response`, checked to be the JSON-RPC answer to request `id`.
fn read_response(response: Value, id: i64) -> Result<Value, ClientError> {
    let Value::Object(mut response) = response else {
        return Err(ClientError::InvalidResponse(
            "the answer is not a JSON object".to_owned(),
        ));
    };
    if response.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(ClientError::InvalidResponse(
            "the answer has no `\"jsonrpc\": \"2.0\"`".to_owned(),
        ));
    }
    if let Some(error) = response.remove("error") {
        let code = error.get("code").and_then(Value::as_i64);
        let message = error.get("message").and_then(Value::as_str);
        let (Some(code), Some(message)) = (code, message) else {
            return Err(ClientError::InvalidResponse(format!(
                "the error member needs an integer `code` and a string `message`, received {error}"
            )));
        };
        let mut object = ErrorObject::new(code, message);
        object.data = error.get("data").cloned();
        return Err(ClientError::Rpc(object));
    }
    if response.get("id") != Some(&json!(id)) {
        return Err(ClientError::InvalidResponse(format!(
            "the answer's id is {}, not {id}",
            response
                .get("id")
                .map_or("missing".to_owned(), Value::to_string)
        )));
    }
    match response.remove("result") {
        Some(result @ Value::Object(_)) => Ok(result),
        Some(other) => Err(ClientError::InvalidResponse(format!(
            "the result must be an object, received {other}"
        ))),
        None => Err(ClientError::InvalidResponse(
            "the answer has neither `result` nor `error`".to_owned(),
        )),
    }
}
