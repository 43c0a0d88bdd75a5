//! Fetch API requests and responses to and from the core's plain HTTP values.

use crate::js;
use edgemcp::http::{HttpBody, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, Response, ResponseInit, Url};

/// The core's request for `req`. A body over `limit` bytes is cut one byte past the limit,
/// so the core answers 413 without the Worker holding more than it must.
pub(crate) async fn request(req: &Request, limit: usize) -> Result<HttpRequest, JsValue> {
    // The URL class of the runtime parses the URL, so no Rust URL parser (and its IDNA
    // tables) enters the bundle.
    let url = Url::new(&req.url())?;
    let path = format!("{}{}", url.pathname(), url.search());
    let headers = req.headers();
    let mut pairs = Vec::new();
    if let Some(entries) = js_sys::try_iter(&headers)? {
        for entry in entries {
            let entry = js_sys::Array::from(&entry?);
            if let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string())
            {
                pairs.push((name, value));
            }
        }
    }
    let declared = headers
        .get("content-length")?
        .and_then(|v| v.parse::<usize>().ok());
    let mut body = if declared.is_some_and(|n| n > limit) {
        Vec::new()
    } else {
        match req.body() {
            Some(_) => js::bytes(&JsFuture::from(req.array_buffer()?).await?),
            None => Vec::new(),
        }
    };
    body.truncate(limit.saturating_add(1));
    Ok(HttpRequest {
        method: req.method(),
        path,
        headers: pairs,
        body,
        // Cloudflare sets CF-Connecting-IP itself (a client cannot choose it).
        remote_addr: headers.get("cf-connecting-ip")?,
    })
}

/// The Fetch API response for the core's `response`; SSE bodies stream as they are
/// produced.
pub(crate) fn response(response: HttpResponse) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let init = ResponseInit::new();
    init.set_status(response.status);
    init.set_headers_headers(&headers);
    match response.body {
        HttpBody::Empty => Response::new_with_opt_str_and_init(None, &init),
        HttpBody::Full(mut bytes) => {
            Response::new_with_opt_u8_array_and_init(Some(&mut bytes), &init)
        }
        HttpBody::Sse(stream) => {
            let chunks = stream.map(|chunk| Ok(js_sys::Uint8Array::from(chunk.as_slice()).into()));
            let body = wasm_streams::ReadableStream::from_stream(chunks).into_raw();
            Response::new_with_opt_readable_stream_and_init(Some(&body), &init)
        }
    }
}

/// A plain-text response.
pub(crate) fn plain(status: u16, text: &str) -> Result<Response, JsValue> {
    let init = ResponseInit::new();
    init.set_status(status);
    let headers = Headers::new()?;
    headers.append("content-type", "text/plain; charset=utf-8")?;
    init.set_headers_headers(&headers);
    Response::new_with_opt_str_and_init(Some(text), &init)
}
