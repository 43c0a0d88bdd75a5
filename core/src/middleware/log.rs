//! The request log: one event per message handled, with what an operator needs to follow
//! it and nothing a client must keep to itself.

use super::{BoxHandler, Exchange, Handler, Layer};
use crate::redact::mask_secrets;
use crate::runtime::{BoxFuture, Severity};
use crate::server::Reply;
use crate::telemetry::{in_span, OpenSpan, Parent};
use serde_json::{json, Value};
use std::sync::Arc;

/// The most bytes of arguments one event holds, when arguments are logged at all.
const MAX_LOGGED_ARGUMENTS: usize = 1024;

/// Logs each message once it is answered: request id, trace and span, method, target,
/// revision, outcome, JSON-RPC code, HTTP status, duration, response size, caller.
///
/// Tool arguments are left out unless `arguments` is on; then they are capped and the
/// values of secret-looking members masked. Headers, tokens and `requestState` are never
/// logged.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestLog {
    pub(crate) arguments: bool,
}

impl Layer for RequestLog {
    fn layer(&self, inner: BoxHandler) -> BoxHandler {
        Arc::new(RequestLogHandler {
            arguments: self.arguments,
            inner,
        })
    }
}

struct RequestLogHandler {
    arguments: bool,
    inner: BoxHandler,
}

impl Handler for RequestLogHandler {
    fn handle(&self, exchange: Exchange) -> BoxFuture<'static, Option<Reply>> {
        let runtime = exchange.runtime().clone();
        #[cfg(feature = "metrics")]
        let in_flight = super::measure::InFlight::start(&exchange);
        #[cfg(not(feature = "metrics"))]
        let in_flight: Option<()> = None;
        let span = message_span(&exchange);
        // What the message runs under: its own span, else the server's span of the
        // request, so the calls it makes carry `traceparent` either way.
        let parent = span
            .as_ref()
            .map_or_else(|| Parent::of_trace(&exchange.trace), OpenSpan::parent);
        if !runtime.logs(Severity::Error) && in_flight.is_none() && span.is_none() {
            return in_span(parent, self.inner.handle(exchange));
        }
        #[cfg(feature = "metrics")]
        let started = in_flight
            .as_ref()
            .map_or_else(|| runtime.monotonic_micros(), |f| f.started);
        #[cfg(not(feature = "metrics"))]
        let started = runtime.monotonic_micros();
        let span_id = span
            .as_ref()
            .map_or(exchange.trace.span_id(), OpenSpan::span_id);
        // Room for every field an event can have, so the list never grows.
        let mut fields = Vec::with_capacity(16);
        fields.extend([
            ("ts_ms", json!(runtime.now_unix_ms())),
            ("request_id", json!(exchange.trace.request_id())),
            ("trace_id", json!(exchange.trace.trace_id())),
            ("span_id", json!(span_id)),
            ("method", json!(exchange.method())),
            (
                "protocol_version",
                json!(exchange.protocol_version().as_str()),
            ),
        ]);
        if let Some(target) = exchange.target() {
            fields.push(("target", json!(target)));
        }
        if self.arguments {
            if let Some(arguments) = exchange.params().and_then(|p| p.get("arguments")) {
                fields.push(("arguments", capped(mask_secrets(arguments))));
            }
        }
        let cancel = exchange.cancellation().clone();
        // Access control runs inside this layer: who the caller is is known afterwards.
        let admission = exchange.admission.clone();
        let replied = in_span(parent, self.inner.handle(exchange));
        Box::pin(async move {
            let mut reply = replied.await;
            let elapsed = runtime.monotonic_micros().saturating_sub(started);
            if let Some(Ok(Some(who))) = admission.decided() {
                fields.push(("subject", json!(who.subject)));
                if let Some(tenant) = &who.tenant {
                    fields.push(("tenant", json!(tenant)));
                }
            }
            fields.push(("duration_ms", json!(elapsed as f64 / 1000.0)));
            let severity = match &mut reply {
                None if cancel.is_cancelled() => {
                    fields.push(("outcome", json!("cancelled")));
                    Severity::Info
                }
                None => {
                    fields.push(("outcome", json!("accepted")));
                    Severity::Info
                }
                Some(reply) => {
                    fields.push(("http_status", json!(reply.http_status)));
                    // Written once here; the transport sends these bytes.
                    fields.push(("response_bytes", json!(reply.encode())));
                    match &reply.response.outcome {
                        Err(error) => {
                            fields.push(("outcome", json!("error")));
                            fields.push(("code", json!(error.code)));
                            if error.code == crate::jsonrpc::INTERNAL_ERROR {
                                Severity::Error
                            } else {
                                Severity::Warn
                            }
                        }
                        Ok(result) if result.get("isError") == Some(&Value::Bool(true)) => {
                            fields.push(("outcome", json!("tool_error")));
                            Severity::Info
                        }
                        Ok(_) => {
                            fields.push(("outcome", json!("ok")));
                            Severity::Info
                        }
                    }
                }
            };
            if let Some(span) = span {
                end_message_span(span, &fields);
            }
            #[cfg(feature = "metrics")]
            if let Some(in_flight) = in_flight {
                in_flight.finish(&fields, elapsed);
            }
            #[cfg(not(feature = "metrics"))]
            let _ = in_flight;
            runtime.log(severity, "mcp message", &fields);
            reply
        })
    }
}

/// The span of `exchange`'s message, when its trace is recorded: named `method target`
/// with the MCP semantic conventions' attributes.
fn message_span(exchange: &Exchange) -> Option<OpenSpan> {
    let method = exchange.method();
    let target = exchange.target();
    let name = || match target {
        Some(target) => format!("{method} {target}"),
        None => method.to_owned(),
    };
    let mut span = OpenSpan::of_message(exchange.runtime(), &exchange.trace, name)?;
    span.set("mcp.method.name", method.to_owned());
    span.set("mcp.protocol.version", exchange.protocol_version().as_str());
    span.set("edgemcp.request_id", exchange.trace.request_id().to_owned());
    if let Some(id) = exchange.id() {
        span.set("jsonrpc.request.id", id.to_string());
    }
    if let Some(target) = target {
        let key = match method {
            crate::protocol::methods::TOOLS_CALL => "gen_ai.tool.name",
            crate::protocol::methods::PROMPTS_GET => "gen_ai.prompt.name",
            _ => "mcp.resource.uri",
        };
        span.set(key, target.to_owned());
    }
    Some(span)
}

/// Ends a message's span with the outcome its log event records.
fn end_message_span(mut span: OpenSpan, fields: &[(&str, Value)]) {
    let field = |name: &str| fields.iter().find(|(key, _)| *key == name).map(|(_, v)| v);
    if let Some(code) = field("code").and_then(Value::as_i64) {
        span.set("rpc.jsonrpc.error_code", code);
        span.fail(format!("JSON-RPC error {code}"));
    }
    match field("outcome").and_then(Value::as_str) {
        Some("tool_error") => span.set("error.type", "tool_error"),
        Some("cancelled") => span.fail("cancelled"),
        _ => {}
    }
    span.end();
}

/// `value`, or its first bytes as a string when its JSON is longer than the cap.
fn capped(value: Value) -> Value {
    let text = value.to_string();
    if text.len() <= MAX_LOGGED_ARGUMENTS {
        return value;
    }
    let mut end = MAX_LOGGED_ARGUMENTS;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    json!(format!("{}… ({} bytes)", &text[..end], text.len()))
}
