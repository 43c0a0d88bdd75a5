//! Fetch API `Request` and `Response` as the core's plain HTTP values.

use crate::convert::message_of;
use edgemcp::http::{HttpBody, HttpRequest, HttpResponse};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Reads a fetch `Request` whole: method, path with query, headers, body.
///
/// A body whose declared length is over `limit` is not read: the core answers 413 from the
/// header alone.
pub(crate) async fn read_request(
    request: &web_sys::Request,
    limit: usize,
) -> Result<HttpRequest, String> {
    let url = web_sys::Url::new(&request.url()).map_err(|e| message_of(&e))?;
    let path = format!("{}{}", url.pathname(), url.search());
    let mut headers = Vec::new();
    let entries = js_sys::try_iter(&request.headers())
        .map_err(|e| message_of(&e))?
        .ok_or("the request's headers cannot be iterated")?;
    for entry in entries {
        let pair: js_sys::Array = entry.map_err(|e| message_of(&e))?.unchecked_into();
        if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            headers.push((name, value));
        }
    }
    let declared = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<u64>().ok());
    let too_large = declared.is_some_and(|n| n > limit as u64);
    let body = match request.method().as_str() {
        _ if too_large => Vec::new(),
        "GET" | "HEAD" => Vec::new(),
        _ => {
            let buffer = request.array_buffer().map_err(|e| message_of(&e))?;
            let buffer = JsFuture::from(buffer).await.map_err(|e| message_of(&e))?;
            js_sys::Uint8Array::new(&buffer).to_vec()
        }
    };
    // A fetch Request does not say where it came from; hosts that know pass nothing here.
    Ok(HttpRequest {
        method: request.method(),
        path,
        headers,
        body,
        remote_addr: None,
    })
}

/// Builds a fetch `Response`. An SSE body is collected first: every progress and log
/// event arrives, in order, in one body.
pub(crate) async fn write_response(
    mut response: HttpResponse,
) -> Result<web_sys::Response, JsValue> {
    let headers = web_sys::Headers::new()?;
    for (name, value) in std::mem::take(&mut response.headers) {
        headers.append(name, &value)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status);
    init.set_headers(&headers);
    match response.body {
        HttpBody::Empty => web_sys::Response::new_with_opt_u8_array_and_init(None, &init),
        _ => {
            let mut bytes = response.collect_body().await;
            web_sys::Response::new_with_opt_u8_array_and_init(Some(&mut bytes), &init)
        }
    }
}
