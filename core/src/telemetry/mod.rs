//! Traces: OpenTelemetry spans for each HTTP request, each MCP message in it, each tool
//! call, each storage call and each HTTP call the server makes, handed to the host's
//! [`SpanSink`], which exports them (natively over OTLP/HTTP from its own thread; on
//! Workers with `fetch` inside `waitUntil`, after the response).
//!
//! The core keeps no exporter and no clock of its own: spans are timed on the
//! [`Runtime`](crate::runtime::Runtime)'s clock and recorded only when the runtime has a
//! sink ([`Runtime::with_spans`](crate::runtime::Runtime::with_spans)) and the trace is
//! sampled ([`Sampler`]). Without a sink, nothing is recorded, and `traceparent` is still
//! passed on to the calls the server makes.
//!
//! | span | kind | name | parent |
//! |---|---|---|---|
//! | the HTTP request | server | `POST /mcp` | the caller's `traceparent` |
//! | one MCP message | server | `tools/call sql_query` | the HTTP request, or the caller on stdio |
//! | a tool call | internal | `execute_tool sql_query` | the message (or the workflow's message) |
//! | a storage call | client | `sql query` | whatever ran it |
//! | an outgoing GET | client | `GET` | whatever ran it (JWKS fetches, tool code) |
//!
//! [`OtlpSettings`] reads the standard `OTEL_*` variables, and [`OtlpSettings::body`]
//! writes a batch as OTLP/JSON, for every host.

mod otlp;
mod sampler;
mod settings;
mod span;

pub use sampler::Sampler;
pub use settings::OtlpSettings;
pub(crate) use span::{current, in_span, OpenSpan, Parent};

use crate::runtime::{MaybeSend, MaybeSync};

/// A finished span, as a [`SpanSink`] receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanRecord {
    /// The trace, 32 lower-case hex digits.
    pub trace_id: String,
    /// This span, 16 lower-case hex digits.
    pub span_id: String,
    /// The span this one ran under, if any.
    pub parent_span_id: Option<String>,
    /// What ran, such as `tools/call sql_query`.
    pub name: String,
    /// Whether it served a caller, called out, or ran inside.
    pub kind: SpanKind,
    /// When it started, in nanoseconds since the Unix epoch.
    pub start_unix_nanos: u64,
    /// When it ended, in nanoseconds since the Unix epoch.
    pub end_unix_nanos: u64,
    /// What it is about, by OpenTelemetry's semantic-convention names where they exist.
    pub attributes: Vec<(&'static str, AttributeValue)>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// OpenTelemetry's span kinds, those the server records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// Work inside the server (a tool call).
    Internal,
    /// Serving a caller (an HTTP request, an MCP message).
    Server,
    /// Calling out (a store, an HTTP GET).
    Client,
}

/// A span attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// Text.
    Str(String),
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
}

impl From<&str> for AttributeValue {
    fn from(value: &str) -> Self {
        AttributeValue::Str(value.to_owned())
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        AttributeValue::Str(value)
    }
}

impl From<i64> for AttributeValue {
    fn from(value: i64) -> Self {
        AttributeValue::Int(value)
    }
}

impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        AttributeValue::Bool(value)
    }
}

/// Where finished spans go: a host's exporter.
///
/// # Behavior
/// `record` runs inside requests, once per finished span: it must be cheap and must not
/// block (queue the span; export in batches elsewhere).
pub trait SpanSink: MaybeSend + MaybeSync {
    /// Takes one finished span.
    fn record(&self, span: SpanRecord);
}
