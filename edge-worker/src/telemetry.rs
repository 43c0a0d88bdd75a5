//! Traces on Workers: the core's spans kept in the isolate while requests run, then sent
//! over OTLP/HTTP with `fetch` inside `ctx.waitUntil`, so the response is not delayed.
//!
//! Set `OTEL_EXPORTER_OTLP_ENDPOINT` (and optionally the other `OTEL_*` variables of
//! [`OtlpSettings`]) as Worker vars or secrets. workerd's clock only moves between I/O, so
//! a span's duration is the time its I/O took.

use crate::js;
use edgemcp::telemetry::{OtlpSettings, Sampler, SpanRecord, SpanSink};
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The most spans kept between exports; more are dropped.
const MAX_PENDING: usize = 2048;

thread_local! {
    // One isolate runs one thread: the settings of its server, and the spans not sent.
    static SETTINGS: RefCell<Option<OtlpSettings>> = const { RefCell::new(None) };
    static PENDING: RefCell<Vec<SpanRecord>> = const { RefCell::new(Vec::new()) };
}

/// The sink the runtime records into: this isolate's pending spans.
pub struct PendingSpans;

impl SpanSink for PendingSpans {
    fn record(&self, span: SpanRecord) {
        PENDING.with(|pending| {
            let mut pending = pending.borrow_mut();
            if pending.len() < MAX_PENDING {
                pending.push(span);
            }
        });
    }
}

/// Reads the `OTEL_*` settings of `env`: the sink and sampler to give the runtime, when
/// an endpoint is set.
///
/// # Errors
/// When a setting cannot be read.
pub fn configure(env: &JsValue) -> edgemcp::Result<Option<(PendingSpans, Sampler)>> {
    let Some(settings) = OtlpSettings::from_vars(|name| js::string(env, name))? else {
        return Ok(None);
    };
    let sampler = settings.sampler.clone();
    SETTINGS.with(|cell| *cell.borrow_mut() = Some(settings));
    Ok(Some((PendingSpans, sampler)))
}

/// Sends the pending spans, if any, in a `fetch` that `ctx.waitUntil` keeps alive after
/// the response. A failed export is logged on the console and the spans dropped.
pub fn export(ctx: &JsValue) {
    let spans = PENDING.with(|pending| std::mem::take(&mut *pending.borrow_mut()));
    if spans.is_empty() {
        return;
    }
    let Some((endpoint, init)) = SETTINGS.with(|cell| {
        let settings = cell.borrow();
        let settings = settings.as_ref()?;
        let headers = js_sys::Object::new();
        js::set(
            &headers,
            "content-type",
            &JsValue::from_str("application/json"),
        );
        for (name, value) in &settings.headers {
            js::set(&headers, name, &JsValue::from_str(value));
        }
        let init = js::object(&[
            ("method", JsValue::from_str("POST")),
            ("headers", headers.into()),
            ("body", JsValue::from_str(&settings.body(&spans))),
        ]);
        Some((settings.endpoint.clone(), init))
    }) else {
        return;
    };
    let sent = wasm_bindgen_futures::future_to_promise(async move {
        let answer = js::call(
            &js_sys::global(),
            "fetch",
            &[JsValue::from_str(&endpoint), init.into()],
        )
        .await;
        let status = answer
            .as_ref()
            .ok()
            .and_then(|response| js::number(response, "status"));
        match (answer, status) {
            (Ok(_), Some(status)) if (200.0..300.0).contains(&status) => {}
            (outcome, status) => {
                let why = match outcome {
                    Err(why) => why,
                    Ok(_) => format!("the collector answered {}", status.unwrap_or_default()),
                };
                web_sys::console::warn_1(&JsValue::from_str(&format!(
                    "{{\"level\":\"warn\",\"message\":\"spans could not be exported\",\"error\":{}}}",
                    serde_json::Value::String(why)
                )));
            }
        }
        Ok(JsValue::UNDEFINED)
    });
    // Outside a request (no `waitUntil`), the promise still runs as long as the isolate.
    let _ = js::call_sync(ctx, "waitUntil", &[sent.into()]);
}
