//! Spans as OTLP/JSON: the `ExportTraceServiceRequest` message in protobuf's JSON
//! mapping, with trace and span ids in hex as OTLP asks.

use super::{AttributeValue, SpanKind, SpanRecord};
use serde_json::{json, Map, Value};

/// The body of one OTLP/HTTP export of `spans`, from a service described by `resource`
/// (`service.name` first).
pub(super) fn export_request(resource: &[(String, String)], spans: &[SpanRecord]) -> Value {
    let resource: Vec<Value> = resource
        .iter()
        .map(|(key, value)| attribute(key, &AttributeValue::Str(value.clone())))
        .collect();
    let spans: Vec<Value> = spans.iter().map(span).collect();
    json!({
        "resourceSpans": [{
            "resource": { "attributes": resource },
            "scopeSpans": [{
                "scope": { "name": "edgemcp", "version": env!("CARGO_PKG_VERSION") },
                "spans": spans,
            }],
        }],
    })
}

fn span(span: &SpanRecord) -> Value {
    let mut out = Map::new();
    out.insert("traceId".into(), json!(span.trace_id));
    out.insert("spanId".into(), json!(span.span_id));
    if let Some(parent) = &span.parent_span_id {
        out.insert("parentSpanId".into(), json!(parent));
    }
    out.insert("name".into(), json!(span.name));
    let kind = match span.kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
    };
    out.insert("kind".into(), json!(kind));
    // 64-bit integers are strings in protobuf's JSON mapping.
    out.insert(
        "startTimeUnixNano".into(),
        json!(span.start_unix_nanos.to_string()),
    );
    out.insert(
        "endTimeUnixNano".into(),
        json!(span.end_unix_nanos.to_string()),
    );
    let attributes: Vec<Value> = span
        .attributes
        .iter()
        .map(|(key, value)| attribute(key, value))
        .collect();
    out.insert("attributes".into(), Value::Array(attributes));
    let status = match &span.error {
        // STATUS_CODE_ERROR
        Some(message) => json!({"code": 2, "message": message}),
        None => json!({}),
    };
    out.insert("status".into(), status);
    Value::Object(out)
}

fn attribute(key: &str, value: &AttributeValue) -> Value {
    let value = match value {
        AttributeValue::Str(text) => json!({"stringValue": text}),
        AttributeValue::Int(number) => json!({"intValue": number.to_string()}),
        AttributeValue::Bool(flag) => json!({"boolValue": flag}),
    };
    json!({"key": key, "value": value})
}
