//! Workers requests and responses to and from the core's plain HTTP values.

use edgemcp::http::{HttpBody, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use worker::{Headers, Request, Response};

/// The core's request for `req`. A body over `limit` bytes is cut one byte past the limit,
/// so the core answers 413 without the Worker holding more than it must.
pub(crate) async fn request(mut req: Request, limit: usize) -> worker::Result<HttpRequest> {
    // `Request::path` is already parsed; the query comes from the raw URL, so the `url`
    // crate (and its IDNA tables) stay out of the bundle.
    let raw = req.inner().url();
    let path = match raw.split_once('?') {
        Some((_, rest)) => format!("{}?{}", req.path(), rest.split('#').next().unwrap_or("")),
        None => req.path(),
    };
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    let mut body = if declared.is_some_and(|n| n > limit) {
        Vec::new()
    } else {
        req.bytes().await.unwrap_or_default()
    };
    body.truncate(limit.saturating_add(1));
    // Cloudflare sets CF-Connecting-IP itself (a client cannot choose it).
    let remote_addr = req.headers().get("cf-connecting-ip").ok().flatten();
    Ok(HttpRequest {
        method: req.method().to_string(),
        path,
        headers,
        body,
        remote_addr,
    })
}

/// The Workers response for the core's `response`; SSE bodies stream as they are produced.
pub(crate) fn response(response: HttpResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let out = match response.body {
        HttpBody::Empty => Response::empty()?,
        HttpBody::Full(bytes) => Response::from_bytes(bytes)?,
        HttpBody::Sse(stream) => Response::from_stream(stream.map(Ok::<Vec<u8>, worker::Error>))?,
    };
    Ok(out.with_status(response.status).with_headers(headers))
}
