//! Streamable HTTP as a pure function: a plain request in, a plain response out.
//!
//! No sockets here. Each host converts its own request type (a Workers `Request`, a hyper
//! request, a Lambda event) into [`HttpRequest`], calls [`Server::handle_http`], and
//! writes the [`HttpResponse`] back. The server is stateless: no session is created, so
//! any instance can answer any request.
//!
//! [`Server::handle_http`]: crate::Server::handle_http

mod auth;
mod config;
mod handle;
pub(crate) mod headers;
mod sse;

pub use config::{HttpConfig, DEFAULT_MAX_BODY_BYTES};

use crate::runtime::BoxStream;

/// A request as a host received it.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// `GET`, `POST`, … (any case).
    pub method: String,
    /// The path, optionally with a query string: `/mcp?x=1`.
    pub path: String,
    /// Header names (any case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The address the request came from, as the host saw it (the socket peer natively,
    /// `CF-Connecting-IP` on Workers); what anonymous callers are rate-limited by.
    pub remote_addr: Option<String>,
}

impl HttpRequest {
    /// A request with no headers and no body.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
            remote_addr: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The first value of header `name`, compared without regard to case.
    ///
    /// Spaces and tabs around the value are optional whitespace in HTTP and are trimmed,
    /// as hosts differ in whether they already do it.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim_matches([' ', '\t']))
    }
}

/// The body of a response.
pub enum HttpBody {
    /// No body.
    Empty,
    /// A complete body.
    Full(Vec<u8>),
    /// A `text/event-stream` body: each item is one or more complete SSE events.
    Sse(BoxStream<'static, Vec<u8>>),
}

impl std::fmt::Debug for HttpBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpBody::Empty => f.write_str("Empty"),
            HttpBody::Full(bytes) => write!(f, "Full({} bytes)", bytes.len()),
            HttpBody::Sse(_) => f.write_str("Sse(..)"),
        }
    }
}

/// A response for the host to send.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: HttpBody,
}

impl HttpResponse {
    /// The first value of header `name` (lowercase).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The whole body, waiting for an SSE stream to end.
    pub async fn collect_body(self) -> Vec<u8> {
        use futures_util::StreamExt;
        match self.body {
            HttpBody::Empty => Vec::new(),
            HttpBody::Full(bytes) => bytes,
            HttpBody::Sse(stream) => stream.concat().await,
        }
    }
}
