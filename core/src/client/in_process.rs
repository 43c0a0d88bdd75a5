//! A transport to a server in the same process, through its Streamable HTTP handler.

use super::{read_http_answer, ClientError, ClientTransport, Outgoing};
use crate::http::HttpRequest;
use crate::runtime::BoxFuture;
use crate::Server;
use serde_json::Value;
use std::sync::Mutex;

/// Serves a client's messages with a [`Server`] in the same process, exactly as an HTTP
/// host would (`POST /mcp` through [`Server::handle_http`]): useful in tests of a server
/// and of code that drives one.
pub struct InProcess {
    server: Server,
    headers: Vec<(String, String)>,
    session: Mutex<Option<String>>,
}

impl InProcess {
    /// A transport to `server`.
    pub fn new(server: Server) -> Self {
        InProcess {
            server,
            headers: Vec::new(),
            session: Mutex::new(None),
        }
    }

    /// Adds a header to every request (`Authorization`, say).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl ClientTransport for InProcess {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        Box::pin(async move {
            let mut request = HttpRequest::new("POST", "/mcp")
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .body(outgoing.message.to_string());
            request.remote_addr = Some("127.0.0.1".to_owned());
            for (name, value) in self.headers.iter().chain(outgoing.headers) {
                request = request.header(name.clone(), value.clone());
            }
            let session = self.session.lock().ok().and_then(|s| s.clone());
            if let Some(session) = session {
                request = request.header("mcp-session-id", session);
            }
            let response = self.server.handle_http(request).await;
            if let Some(session) = response.header_value("mcp-session-id") {
                if let Ok(mut slot) = self.session.lock() {
                    *slot = Some(session.to_owned());
                }
            }
            let status = response.status;
            let content_type = response.header_value("content-type").map(str::to_owned);
            let body = response.collect_body().await;
            read_http_answer(
                status,
                content_type.as_deref(),
                &body,
                outgoing.expects_response,
            )
        })
    }
}
