//! Streamable HTTP: each message is a POST to the server's MCP URL.

use crate::runtime::http_client::read_capped;
use edgemcp::client::{read_http_answer, ClientError, ClientTransport, Outgoing};
use edgemcp::runtime::BoxFuture;
use serde_json::Value;
use std::sync::Mutex;
use std::time::Duration;

/// The most of a response body read before the answer is refused.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Sends each message as a POST to one MCP URL, keeps the `Mcp-Session-Id` a 2025
/// server hands out, and adds fixed headers (credentials) to every request.
pub struct HttpTransport {
    client: reqwest::Client,
    url: String,
    headers: Vec<(String, String)>,
    session: Mutex<Option<String>>,
}

impl HttpTransport {
    /// A transport to `url` that sends `headers` with every message and gives up on a
    /// message after `timeout`.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the URL is not `http://` or `https://`, or the HTTP
    /// client cannot start.
    pub fn new(
        url: &str,
        headers: Vec<(String, String)>,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ClientError::Transport(format!(
                "{url:?} is not an http:// or https:// URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("edgemcp-test/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(format!("the HTTP client could not start: {e}")))?;
        Ok(HttpTransport {
            client,
            url: url.to_owned(),
            headers,
            session: Mutex::new(None),
        })
    }

    /// The URL messages go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// GETs `url` with the transport's headers: the status, the headers (names in lower
    /// case) and the body as text.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the request fails.
    pub async fn get(
        &self,
        url: &str,
    ) -> Result<(u16, Vec<(String, String)>, String), ClientError> {
        let mut request = self.client.get(url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = read_body(response).await?;
        Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
    }
}

impl ClientTransport for HttpTransport {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .post(&self.url)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .body(outgoing.message.to_string());
            for (name, value) in self.headers.iter().chain(outgoing.headers) {
                request = request.header(name, value);
            }
            let session = self.session.lock().ok().and_then(|s| s.clone());
            if let Some(session) = session {
                request = request.header("mcp-session-id", session);
            }
            let response = request.send().await.map_err(|e| transport_error(&e))?;
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            if let Some(session) = header("mcp-session-id") {
                if let Ok(mut slot) = self.session.lock() {
                    *slot = Some(session);
                }
            }
            let status = response.status().as_u16();
            let content_type = header("content-type");
            let body = read_body(response).await?;
            read_http_answer(
                status,
                content_type.as_deref(),
                &body,
                outgoing.expects_response,
            )
        })
    }
}

/// The body, refused past [`MAX_BODY_BYTES`].
async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    read_capped(response, MAX_BODY_BYTES)
        .await
        .map_err(|e| transport_error(&e))?
        .ok_or_else(|| {
            ClientError::InvalidResponse(format!("the body is longer than {MAX_BODY_BYTES} bytes"))
        })
}

/// reqwest's error with its causes, which say what actually failed (refused, DNS, TLS).
fn transport_error(err: &reqwest::Error) -> ClientError {
    let mut text = if err.is_timeout() {
        "no answer in time".to_owned()
    } else {
        crate::error_text::with_causes(err)
    };
    if err.is_connect() {
        text.push_str(" (is the server running, and is the URL right?)");
    }
    ClientError::Transport(text)
}
