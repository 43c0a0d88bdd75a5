//! Metrics on Workers: each message's measurements as a data point in a Workers Analytics
//! Engine dataset, when one is bound as `METRICS` in `wrangler.toml`:
//!
//! ```toml
//! [[analytics_engine_datasets]]
//! binding = "METRICS"
//! dataset = "edgemcp"
//! ```
//!
//! Each point has `indexes: [method]`, `blobs: [method, tool, outcome, protocol_version]`
//! and `doubles: [duration_ms, response_bytes, json_rpc_code, http_status]` (0 where a
//! value does not apply). Like the labels of `/metrics`, the method is one the server
//! routes (else `other`) and the tool a tool or prompt that answered, never a user or a
//! request id. Points follow the request log: a level that logs nothing writes none.

use crate::js;
use edgemcp::protocol::methods;
use edgemcp::runtime::{LogEvent, Logger};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;

/// The binding the data points are written to.
pub const ANALYTICS_BINDING: &str = "METRICS";

/// A logger that writes each request-log event as a data point into `dataset`, then
/// hands every event to `then`.
pub struct AnalyticsLogger<L> {
    dataset: JsValue,
    then: L,
}

impl<L: Logger> AnalyticsLogger<L> {
    /// Writes to `dataset` (an Analytics Engine binding) and logs through `then`.
    pub fn new(dataset: JsValue, then: L) -> Self {
        AnalyticsLogger { dataset, then }
    }
}

impl<L: Logger> Logger for AnalyticsLogger<L> {
    fn log(&self, event: &LogEvent<'_>) {
        if event.message == "mcp message" {
            let point = js::from_json(&data_point(event.fields));
            // A dataset that refuses a point must not fail the request it measures.
            let _ = js::call_sync(&self.dataset, "writeDataPoint", &[point]);
        }
        self.then.log(event);
    }
}

/// The data point of one request-log event.
pub fn data_point(fields: &[(&str, Value)]) -> Value {
    let field = |name: &str| fields.iter().find(|(key, _)| *key == name).map(|(_, v)| v);
    let text = |name: &str| field(name).and_then(Value::as_str).unwrap_or("");
    let number = |name: &str| field(name).and_then(Value::as_f64).unwrap_or(0.0);
    let method = methods::ALL
        .iter()
        .find(|known| **known == text("method"))
        .copied()
        .unwrap_or("other");
    let outcome = text("outcome");
    // Only a tool or prompt that answered is named: a name the client made up is not a
    // label.
    let answered = matches!(outcome, "ok" | "tool_error");
    let tool = match method {
        methods::TOOLS_CALL | methods::PROMPTS_GET if answered => text("target"),
        _ => "",
    };
    json!({
        "indexes": [method],
        "blobs": [method, tool, outcome, text("protocol_version")],
        "doubles": [
            number("duration_ms"),
            number("response_bytes"),
            number("code"),
            number("http_status"),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgemcp::runtime::Severity;
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen(inline_js = "export function recorder() {
        const points = [];
        return { points, writeDataPoint(point) { points.push(JSON.parse(JSON.stringify(point))); } };
    }")]
    extern "C" {
        fn recorder() -> JsValue;
    }

    #[derive(Clone, Default)]
    struct Kept(Rc<RefCell<Vec<String>>>);

    impl Logger for Kept {
        fn log(&self, event: &LogEvent<'_>) {
            self.0.borrow_mut().push(event.message.to_owned());
        }
    }

    fn event<'a>(message: &'a str, fields: &'a [(&'a str, Value)]) -> LogEvent<'a> {
        LogEvent {
            severity: Severity::Info,
            message,
            fields,
        }
    }

    #[wasm_bindgen_test]
    fn each_message_is_one_point_with_bounded_labels_and_every_event_is_logged() {
        let dataset = recorder();
        let kept = Kept::default();
        let logger = AnalyticsLogger::new(dataset.clone(), kept.clone());
        let ok = [
            ("method", json!("tools/call")),
            ("target", json!("sql_query")),
            ("outcome", json!("ok")),
            ("protocol_version", json!("2025-11-25")),
            ("duration_ms", json!(3.5)),
            ("response_bytes", json!(812)),
            ("http_status", json!(200)),
            ("request_id", json!("must-not-appear")),
        ];
        logger.log(&event("mcp message", &ok));
        let unknown = [
            ("method", json!("tools/call")),
            ("target", json!("made-up-by-the-client")),
            ("outcome", json!("error")),
            ("code", json!(-32602)),
            ("http_status", json!(200)),
        ];
        logger.log(&event("mcp message", &unknown));
        logger.log(&event("mcp message", &[("method", json!("x/invented"))]));
        logger.log(&event("circuit breaker", &[("store", json!("kv"))]));

        // Read back through JavaScript, whose numbers have no integer type.
        let points = js::to_json(&js::get(&dataset, "points"));
        assert_eq!(
            points,
            json!([
                {"indexes": ["tools/call"], "blobs": ["tools/call", "sql_query", "ok", "2025-11-25"],
                 "doubles": [3.5, 812, 0, 200]},
                {"indexes": ["tools/call"], "blobs": ["tools/call", "", "error", ""],
                 "doubles": [0, 0, -32602, 200]},
                {"indexes": ["other"], "blobs": ["other", "", "", ""],
                 "doubles": [0, 0, 0, 0]},
            ])
        );
        assert!(!points.to_string().contains("must-not-appear"));
        assert_eq!(
            *kept.0.borrow(),
            [
                "mcp message",
                "mcp message",
                "mcp message",
                "circuit breaker"
            ]
        );
    }
}
