//! Outbound GETs with the host's `fetch`.

use super::{call_async, object, property};
use crate::runtime::{BoxFuture, Fetched, HttpClient};
use crate::{Error, ErrorKind};
use wasm_bindgen::JsValue;

/// `globalThis.fetch`, without following redirects (a moved JWKS URL is a configuration
/// to fix, and following could leave HTTPS).
pub(super) struct GlobalFetch;

impl HttpClient for GlobalFetch {
    fn get<'a>(
        &'a self,
        url: &'a str,
        headers: &'a [(&'static str, String)],
        max_bytes: usize,
    ) -> BoxFuture<'a, crate::Result<Fetched>> {
        Box::pin(async move {
            let failed =
                |why: String| Error::new(ErrorKind::Upstream, format!("GET {url} failed: {why}"));
            let header_values: Vec<(&str, JsValue)> = headers
                .iter()
                .map(|(name, value)| (*name, JsValue::from_str(value)))
                .collect();
            let header_refs: Vec<(&str, &JsValue)> =
                header_values.iter().map(|(n, v)| (*n, v)).collect();
            let init = object(&[
                ("redirect", &JsValue::from_str("manual")),
                ("headers", &object(&header_refs)),
            ]);
            let response = call_async(
                &js_sys::global(),
                "fetch",
                &[&JsValue::from_str(url), &init],
            )
            .await
            .map_err(failed)?;
            let status = property(&response, "status")
                .and_then(|status| status.as_f64())
                .unwrap_or_default() as u16;
            let buffer = call_async(&response, "arrayBuffer", &[])
                .await
                .map_err(failed)?;
            let body = js_sys::Uint8Array::new(&buffer);
            if body.length() as usize > max_bytes {
                return Err(failed(format!("the body is longer than {max_bytes} bytes")));
            }
            Ok(Fetched {
                status,
                body: body.to_vec(),
            })
        })
    }
}
