//! What the request log hands the runtime's metrics sink (feature `metrics`).

use super::Exchange;
use crate::runtime::{MessageMeasure, Runtime};
use serde_json::Value;

/// A measured message's labels: a method the server offers (else `other`), and the tool
/// or prompt it names when one is registered under that name. Bounded, whatever the
/// client sends.
pub(super) type Labels = (&'static str, Option<String>);

/// Tells the sink a message started; its labels, or `None` when there is no sink.
pub(super) fn started(exchange: &Exchange) -> Option<Labels> {
    let sink = exchange.runtime().metrics()?;
    sink.message_started();
    let method = crate::protocol::methods::ALL
        .iter()
        .find(|m| **m == exchange.method())
        .copied()
        .unwrap_or("other");
    let server = &exchange.server;
    let tool = exchange.target().filter(|name| match method {
        crate::protocol::methods::TOOLS_CALL => server.tool_named(name).is_some(),
        crate::protocol::methods::PROMPTS_GET => server.has_prompt(name),
        _ => false,
    });
    Some((method, tool.map(str::to_owned)))
}

/// Tells the sink the message finished, with what its log event says of it.
pub(super) fn finished(
    runtime: &Runtime,
    labels: Option<Labels>,
    fields: &[(&str, Value)],
    elapsed_micros: u64,
) {
    let (Some(sink), Some((method, tool))) = (runtime.metrics(), labels) else {
        return;
    };
    let field = |name: &str| fields.iter().find(|(key, _)| *key == name).map(|(_, v)| v);
    sink.message_finished(&MessageMeasure {
        method,
        tool: tool.as_deref(),
        outcome: field("outcome").and_then(Value::as_str).unwrap_or("ok"),
        code: field("code").and_then(Value::as_i64),
        duration_micros: elapsed_micros,
    });
}
