//! Open spans and the current one.
//!
//! The core has no task-local storage (it runs on any executor), so the span code runs
//! under is kept the way `tracing` keeps it: a future wrapped by [`in_span`] makes its
//! span the thread's current one while it is polled, and puts the previous one back
//! after. Whatever that future starts while polled (a tool's storage calls, an outgoing
//! GET) finds its parent with [`current`].

use super::{AttributeValue, SpanKind, SpanRecord};
use crate::middleware::TraceContext;
use crate::runtime::{BoxFuture, Runtime};
use std::cell::RefCell;
use std::sync::Arc;

/// The span that work runs under: what a child span and an outgoing `traceparent` need.
/// Cheap to clone: the request's trace context is shared, and a span of the server's
/// own adds only its id.
#[derive(Debug, Clone)]
pub(crate) struct Parent {
    trace: Arc<TraceContext>,
    /// The span, when it is not the trace context's own (`trace.span_id()`).
    span_id: Option<Arc<str>>,
}

impl Parent {
    /// The server's own span of a request, as its trace context names it.
    pub(crate) fn of_trace(trace: &Arc<TraceContext>) -> Self {
        Parent {
            trace: trace.clone(),
            span_id: None,
        }
    }

    /// `span_id`, in the same trace as `self`.
    fn with_span(&self, span_id: String) -> Self {
        Parent {
            trace: self.trace.clone(),
            span_id: Some(span_id.into()),
        }
    }

    fn span_id(&self) -> &str {
        self.span_id.as_deref().unwrap_or(self.trace.span_id())
    }

    fn sampled(&self) -> bool {
        self.trace.sampled()
    }

    /// The `traceparent` header naming this span as the caller.
    pub(crate) fn traceparent(&self) -> String {
        let flags = if self.sampled() { "01" } else { "00" };
        format!("00-{}-{}-{flags}", self.trace.trace_id(), self.span_id())
    }

    /// The caller's `tracestate`, passed on unchanged.
    pub(crate) fn tracestate(&self) -> Option<&str> {
        self.trace.tracestate()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Parent>> = const { RefCell::new(None) };
}

/// The span the running code is under, if any.
pub(crate) fn current() -> Option<Parent> {
    CURRENT.with(|current| current.borrow().clone())
}

/// `work`, running under `parent`: while it is polled, [`current`] is `parent`.
pub(crate) fn in_span<'a, T: 'a>(parent: Parent, mut work: BoxFuture<'a, T>) -> BoxFuture<'a, T> {
    Box::pin(futures_util::future::poll_fn(move |cx| {
        let previous = CURRENT.with(|current| current.replace(Some(parent.clone())));
        let polled = work.as_mut().poll(cx);
        CURRENT.with(|current| *current.borrow_mut() = previous);
        polled
    }))
}

/// A span being recorded; recorded when [`end`](OpenSpan::end)ed, or as cancelled when
/// dropped before that (its work was abandoned).
pub(crate) struct OpenSpan {
    runtime: Runtime,
    record: Option<SpanRecord>,
    started_micros: u64,
    parent: Parent,
}

impl OpenSpan {
    /// A new span under `parent`, when the runtime records spans and the trace is sampled.
    pub(crate) fn start(
        runtime: &Runtime,
        parent: &Parent,
        name: impl FnOnce() -> String,
        kind: SpanKind,
    ) -> Option<Self> {
        if !parent.sampled() || runtime.spans().is_none() {
            return None;
        }
        let span_id = crate::util::random_hex(runtime, 8);
        Some(Self::open(
            runtime,
            parent.with_span(span_id),
            Some(parent.span_id().to_owned()),
            name(),
            kind,
        ))
    }

    /// A new span under the current one (see [`current`]), if there is one.
    pub(crate) fn under_current(
        runtime: &Runtime,
        name: impl FnOnce() -> String,
        kind: SpanKind,
    ) -> Option<Self> {
        runtime.spans()?;
        Self::start(runtime, &current()?, name, kind)
    }

    /// The server's own span of `trace` (its id is the trace context's span id, its
    /// parent the caller's span), when recorded.
    pub(crate) fn of_trace(
        runtime: &Runtime,
        trace: &Arc<TraceContext>,
        name: impl FnOnce() -> String,
        kind: SpanKind,
    ) -> Option<Self> {
        if !trace.sampled() || runtime.spans().is_none() {
            return None;
        }
        Some(Self::open(
            runtime,
            Parent::of_trace(trace),
            trace.parent_span_id().map(str::to_owned),
            name(),
            kind,
        ))
    }

    /// The span of one MCP message of `trace`: under the transport's span when it
    /// records one, else under the caller's span (a root on stdio).
    pub(crate) fn of_message(
        runtime: &Runtime,
        trace: &Arc<TraceContext>,
        name: impl FnOnce() -> String,
    ) -> Option<Self> {
        if !trace.sampled() || runtime.spans().is_none() {
            return None;
        }
        let parent_span_id = if trace.has_transport_span() {
            Some(trace.span_id().to_owned())
        } else {
            trace.parent_span_id().map(str::to_owned)
        };
        let span_id = crate::util::random_hex(runtime, 8);
        Some(Self::open(
            runtime,
            Parent::of_trace(trace).with_span(span_id),
            parent_span_id,
            name(),
            SpanKind::Server,
        ))
    }

    fn open(
        runtime: &Runtime,
        parent: Parent,
        parent_span_id: Option<String>,
        name: String,
        kind: SpanKind,
    ) -> Self {
        let start = runtime.now_unix_ms().saturating_mul(1_000_000);
        OpenSpan {
            runtime: runtime.clone(),
            record: Some(SpanRecord {
                trace_id: parent.trace.trace_id().to_owned(),
                span_id: parent.span_id().to_owned(),
                parent_span_id,
                name,
                kind,
                start_unix_nanos: start,
                end_unix_nanos: start,
                attributes: Vec::new(),
                error: None,
            }),
            started_micros: runtime.monotonic_micros(),
            parent,
        }
    }

    /// This span, as the parent of work under it.
    pub(crate) fn parent(&self) -> Parent {
        self.parent.clone()
    }

    /// This span's id.
    pub(crate) fn span_id(&self) -> &str {
        self.parent.span_id()
    }

    /// Sets an attribute.
    pub(crate) fn set(&mut self, key: &'static str, value: impl Into<AttributeValue>) {
        if let Some(record) = &mut self.record {
            record.attributes.push((key, value.into()));
        }
    }

    /// Marks the span failed, with why.
    pub(crate) fn fail(&mut self, why: impl Into<String>) {
        if let Some(record) = &mut self.record {
            record.error = Some(why.into());
        }
    }

    /// Ends the span and hands it to the runtime's sink.
    pub(crate) fn end(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        let Some(mut record) = self.record.take() else {
            return;
        };
        let elapsed = self
            .runtime
            .monotonic_micros()
            .saturating_sub(self.started_micros);
        record.end_unix_nanos = record
            .start_unix_nanos
            .saturating_add(elapsed.saturating_mul(1_000));
        if let Some(sink) = self.runtime.spans() {
            sink.record(record);
        }
    }
}

impl Drop for OpenSpan {
    fn drop(&mut self) {
        if let Some(record) = &mut self.record {
            record.error.get_or_insert_with(|| "cancelled".to_owned());
        }
        self.finish();
    }
}
