use super::{MaybeSend, MaybeSync};

/// One message the server finished handling, as the metrics see it.
///
/// Every label has a bounded set of values: the method is one the server routes (or
/// `other`), `tool` a registered tool or prompt name, `outcome` one of `ok`,
/// `tool_error`, `error`, `accepted`, or `cancelled` for a message dropped unanswered
/// (its client went away). No request ids, users or URIs.
#[derive(Debug, Clone, Copy)]
pub struct MessageMeasure<'a> {
    /// The JSON-RPC method, or `other` for a method the server does not offer.
    pub method: &'a str,
    /// The registered tool or prompt the message names, if any.
    pub tool: Option<&'a str>,
    /// `ok`, `tool_error`, `error`, `accepted` or `cancelled`.
    pub outcome: &'a str,
    /// The JSON-RPC error code, for an `error`.
    pub code: Option<i64>,
    /// How long it took, in microseconds of the runtime's monotonic clock.
    pub duration_micros: u64,
}

/// Where the server's measurements go: a Prometheus registry natively, nothing unless a
/// host provides one.
///
/// # Behavior
/// - `message_started` and `message_finished` come in pairs, one pair per message (a
///   message dropped unanswered finishes as `cancelled`), so their difference is the
///   number in flight.
/// - Both run inside requests: they must be cheap and must not block.
pub trait Metrics: MaybeSend + MaybeSync {
    /// A message entered the middleware chain.
    fn message_started(&self);

    /// A message left it.
    fn message_finished(&self, measure: &MessageMeasure<'_>);

    /// The circuit breaker of `store` moved to `state` (`open`, `half_open`, `closed`).
    fn breaker_changed(&self, store: &'static str, state: &'static str) {
        let _ = (store, state);
    }
}
