//! What the request log hands the runtime's metrics sink (feature `metrics`).

use super::Exchange;
use crate::runtime::{MessageMeasure, Runtime};
use crate::server::Registered;
use serde_json::Value;

/// A measured message's labels: a method the server offers (else `other`), and the tool
/// or prompt it names when one is registered under that name. Bounded, whatever the
/// client sends.
type Labels = (&'static str, Option<Registered>);

/// A message the sink was told started. It is told the end exactly once: by
/// [`finish`](InFlight::finish), or, when the message is dropped unanswered (its client
/// went away), as `cancelled`, so the in-flight count never drifts.
pub(super) struct InFlight {
    runtime: Runtime,
    /// The server whose tool or prompt the labels point at.
    server: crate::Server,
    labels: Option<Labels>,
    /// When the message started, on the runtime's monotonic clock.
    pub(super) started: u64,
}

impl InFlight {
    /// Tells the sink `exchange` started; `None` when there is no sink.
    pub(super) fn start(exchange: &Exchange) -> Option<InFlight> {
        let runtime = exchange.runtime().clone();
        runtime.metrics()?.message_started();
        let method = crate::protocol::methods::ALL
            .iter()
            .find(|m| **m == exchange.method())
            .copied()
            .unwrap_or("other");
        let named = exchange
            .target()
            .and_then(|name| exchange.server.registered(method, name));
        let started = runtime.monotonic_micros();
        Some(InFlight {
            runtime,
            server: exchange.server.clone(),
            labels: Some((method, named)),
            started,
        })
    }

    /// Tells the sink the message finished after `elapsed` µs, with what its log event
    /// says of it.
    pub(super) fn finish(mut self, fields: &[(&str, Value)], elapsed: u64) {
        let field = |name: &str| fields.iter().find(|(key, _)| *key == name).map(|(_, v)| v);
        let outcome = field("outcome").and_then(Value::as_str).unwrap_or("ok");
        let code = field("code").and_then(Value::as_i64);
        // The outcomes a log event names are static strings; match them back.
        let outcome = ["ok", "tool_error", "error", "accepted", "cancelled"]
            .into_iter()
            .find(|known| *known == outcome)
            .unwrap_or("ok");
        self.report(outcome, code, Some(elapsed));
    }

    /// Tells the sink; `elapsed` is measured here when the caller did not.
    fn report(&mut self, outcome: &str, code: Option<i64>, elapsed: Option<u64>) {
        let (Some(sink), Some((method, named))) = (self.runtime.metrics(), self.labels.take())
        else {
            return;
        };
        let tool = named.and_then(|named| self.server.registered_name(named));
        sink.message_finished(&MessageMeasure {
            method,
            tool,
            outcome,
            code,
            duration_micros: elapsed
                .unwrap_or_else(|| self.runtime.monotonic_micros().saturating_sub(self.started)),
        });
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.report("cancelled", None, None);
    }
}
