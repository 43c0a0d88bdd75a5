//! Metrics on Lambda: CloudWatch Embedded Metric Format lines on stdout, which CloudWatch
//! Logs turns into metrics with no agent and no API call from the function.
//!
//! Under Lambda (on by default there; `EDGEMCP_METRICS_EMF=false` turns it off) each
//! message finished writes one line with the metrics `messages`, `errors` and
//! `duration` (milliseconds) under the dimensions {`method`, `outcome`} and, for a tool
//! or prompt, {`method`, `tool`, `outcome`}; each storage call writes one with
//! `storage_call_duration` under {`backend`, `operation`, `outcome`}. The dimension
//! values are the bounded labels of `/metrics` (a method the server routes or `other`, a
//! registered tool name), never a user or request id. The namespace is
//! `EDGEMCP_METRICS_NAMESPACE` (default `edgemcp`).

use crate::log;
use edgemcp::runtime::MessageMeasure;
use serde_json::{json, Value};
use std::sync::OnceLock;

static NAMESPACE: OnceLock<String> = OnceLock::new();

/// Starts writing EMF lines into `namespace`.
pub fn enable(namespace: &str) {
    let _ = NAMESPACE.set(namespace.to_owned());
}

fn namespace() -> Option<&'static str> {
    NAMESPACE.get().map(String::as_str)
}

/// One message's line.
pub(crate) fn message(measure: &MessageMeasure<'_>) {
    let Some(namespace) = namespace() else { return };
    let mut dimensions = vec![json!(["method", "outcome"])];
    let mut fields = vec![
        ("method", json!(measure.method)),
        ("outcome", json!(measure.outcome)),
    ];
    if let Some(tool) = measure.tool {
        dimensions.push(json!(["method", "tool", "outcome"]));
        fields.push(("tool", json!(tool)));
    }
    fields.push(("messages", json!(1)));
    fields.push(("errors", json!(u8::from(measure.code.is_some()))));
    fields.push(("duration", json!(measure.duration_micros as f64 / 1000.0)));
    let metrics = [
        ("messages", "Count"),
        ("errors", "Count"),
        ("duration", "Milliseconds"),
    ];
    fields.push(("_aws", directive(namespace, dimensions, &metrics)));
    log::info("metrics", &fields);
}

/// One storage call's line.
pub(crate) fn storage_call(backend: &str, operation: &str, outcome: &str, micros: u64) {
    let Some(namespace) = namespace() else { return };
    let fields = [
        ("backend", json!(backend)),
        ("operation", json!(operation)),
        ("outcome", json!(outcome)),
        ("storage_call_duration", json!(micros as f64 / 1000.0)),
        (
            "_aws",
            directive(
                namespace,
                vec![json!(["backend", "operation", "outcome"])],
                &[("storage_call_duration", "Milliseconds")],
            ),
        ),
    ];
    log::info("metrics", &fields);
}

/// The `_aws` member: which root members are metrics, under which dimensions.
fn directive(namespace: &str, dimensions: Vec<Value>, metrics: &[(&str, &str)]) -> Value {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let metrics: Vec<Value> = metrics
        .iter()
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    json!({
        "Timestamp": timestamp,
        "CloudWatchMetrics": [{
            "Namespace": namespace,
            "Dimensions": dimensions,
            "Metrics": metrics,
        }],
    })
}
