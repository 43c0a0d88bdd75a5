//! Request ids and W3C trace context: read from what the transport brought, created when
//! absent.

use crate::runtime::Runtime;

/// The longest `X-Request-Id` accepted from a client; longer ones are replaced.
const MAX_REQUEST_ID: usize = 128;

/// Who this request is in a distributed trace, and the id it is logged under.
///
/// Built by the transport before the middleware chain runs: from `traceparent` and
/// `tracestate` (W3C Trace Context), else Cloud Run's `X-Cloud-Trace-Context`, and from
/// `X-Request-Id`; whatever is missing is created from the runtime's random source. The
/// server's own span is always new, its parent the caller's span.
///
/// ```
/// use edgemcp::middleware::TraceContext;
/// use edgemcp::runtime::Runtime;
///
/// let runtime = Runtime::for_tests(0);
/// let trace = TraceContext::from_headers(
///     |name| (name == "traceparent")
///         .then_some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     &runtime,
/// );
/// assert_eq!(trace.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(trace.parent_span_id(), Some("00f067aa0ba902b7"));
/// assert!(trace.sampled());
/// assert_eq!(trace.traceparent(), format!("00-{}-{}-01", trace.trace_id(), trace.span_id()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: String,
    span_id: String,
    parent_span_id: Option<String>,
    sampled: bool,
    tracestate: Option<String>,
    request_id: String,
    client_address: Option<String>,
    /// Whether the transport records a span of its own (`POST /mcp`) with this span id,
    /// so each message's span is its child.
    transport_span: bool,
}

impl TraceContext {
    /// A new trace, with no parent: for transports that carry no trace context (stdio).
    pub fn new(runtime: &Runtime) -> Self {
        TraceContext::from_headers(|_| None, runtime)
    }

    /// The trace context of a request whose headers `header` reads (by lower-case name).
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>, runtime: &Runtime) -> Self {
        let incoming = header("traceparent")
            .and_then(parse_traceparent)
            .or_else(|| header("x-cloud-trace-context").and_then(parse_cloud_trace));
        let (trace_id, parent_span_id, parent_sampled) = match incoming {
            Some((trace, parent, sampled)) => (trace, Some(parent), Some(sampled)),
            None => (crate::util::random_hex(runtime, 16), None, None),
        };
        // The runtime's sampler decides (by default: the caller's flag, else recorded).
        let sampled = runtime.sampler().samples(parent_sampled, &trace_id);
        let tracestate = parent_span_id
            .as_ref()
            .and_then(|_| header("tracestate"))
            .map(str::trim)
            .filter(|state| !state.is_empty() && state.len() <= 512 && state.is_ascii())
            .map(str::to_owned);
        let request_id = header("x-request-id")
            .map(str::trim)
            .filter(|id| is_request_id(id))
            .map_or_else(|| crate::util::random_hex(runtime, 8), str::to_owned);
        TraceContext {
            trace_id,
            span_id: crate::util::random_hex(runtime, 8),
            parent_span_id,
            sampled,
            tracestate,
            request_id,
            client_address: None,
            transport_span: false,
        }
    }

    /// The same context, for a request that came from `address` (as the host saw it: the
    /// socket peer, or what its platform vouches for, such as `CF-Connecting-IP`).
    pub fn with_client_address(mut self, address: Option<String>) -> Self {
        self.client_address = address;
        self
    }

    /// The same context, noting that the transport records a span with this context's
    /// span id for the request, under which each message's span goes.
    pub(crate) fn with_transport_span(mut self, recorded: bool) -> Self {
        self.transport_span = recorded;
        self
    }

    /// Whether the transport records its own span for the request.
    pub(crate) fn has_transport_span(&self) -> bool {
        self.transport_span
    }

    /// The address the request came from, when the transport knows it.
    pub fn client_address(&self) -> Option<&str> {
        self.client_address.as_deref()
    }

    /// The trace id: 32 lower-case hex digits.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// This server's span for the request: 16 lower-case hex digits.
    pub fn span_id(&self) -> &str {
        &self.span_id
    }

    /// The caller's span, when the request carried one.
    pub fn parent_span_id(&self) -> Option<&str> {
        self.parent_span_id.as_deref()
    }

    /// Whether the trace is recorded: the runtime's [`Sampler`](crate::telemetry::Sampler)
    /// decides, by default keeping the caller's flag (new traces are recorded).
    pub fn sampled(&self) -> bool {
        self.sampled
    }

    /// The caller's `tracestate`, passed on unchanged.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// The id this request is logged under, and returned as `X-Request-Id`: the client's
    /// own when it sent a sane one (up to 128 visible ASCII characters), else a new one.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The `traceparent` to send on calls this request makes: this trace, this span.
    pub fn traceparent(&self) -> String {
        let flags = if self.sampled { "01" } else { "00" };
        format!("00-{}-{}-{flags}", self.trace_id, self.span_id)
    }
}

/// `00-<trace>-<parent>-<flags>`; all-zero ids and version `ff` are invalid, and later
/// versions are read by the version-00 fields, as the specification asks.
fn parse_traceparent(value: &str) -> Option<(String, String, bool)> {
    let mut parts = value.trim().split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let is_hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = is_hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && is_hex(trace, 32)
        && is_hex(parent, 16)
        && is_hex(flags, 2)
        && trace.bytes().any(|b| b != b'0')
        && parent.bytes().any(|b| b != b'0');
    if !valid {
        return None;
    }
    let sampled = u8::from_str_radix(flags, 16).ok()? & 1 == 1;
    Some((trace.to_owned(), parent.to_owned(), sampled))
}

/// Cloud Run's `TRACE_ID/SPAN_ID;o=OPTIONS`, the span id in decimal.
fn parse_cloud_trace(value: &str) -> Option<(String, String, bool)> {
    let (trace, rest) = value.trim().split_once('/')?;
    let (span, options) = rest.split_once(';').unwrap_or((rest, ""));
    let trace = trace.to_ascii_lowercase();
    let span: u64 = span.parse().ok()?;
    let hex = trace.len() == 32 && trace.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex || span == 0 || trace.bytes().all(|b| b == b'0') {
        return None;
    }
    Some((trace, format!("{span:016x}"), options.trim() != "o=0"))
}

fn is_request_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_REQUEST_ID && id.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_follows_the_w3c_rules() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            parse_traceparent(ok),
            Some((
                "4bf92f3577b34da6a3ce929d0e0e4736".into(),
                "00f067aa0ba902b7".into(),
                true
            ))
        );
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assert_eq!(parse_traceparent(unsampled).map(|t| t.2), Some(false));
        // A later version may add fields after the four it shares with 00.
        let future = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
        assert!(parse_traceparent(future).is_some());
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        ] {
            assert_eq!(parse_traceparent(bad), None, "{bad}");
        }
    }

    #[test]
    fn cloud_run_trace_headers_are_read() {
        assert_eq!(
            parse_cloud_trace("105445aa7843bc8bf206b12000100000/1;o=1"),
            Some((
                "105445aa7843bc8bf206b12000100000".into(),
                "0000000000000001".into(),
                true
            ))
        );
        assert_eq!(
            parse_cloud_trace("105445aa7843bc8bf206b12000100000/255;o=0").map(|t| t.2),
            Some(false)
        );
        assert_eq!(parse_cloud_trace("nonsense"), None);
        assert_eq!(parse_cloud_trace("105445aa/1;o=1"), None);
    }

    #[test]
    fn missing_or_unusable_ids_are_created() {
        let runtime = Runtime::for_tests(0);
        let trace = TraceContext::from_headers(
            |name| match name {
                "traceparent" => Some("garbage"),
                "x-request-id" => Some("has spaces in it"),
                "tracestate" => Some("vendor=1"),
                _ => None,
            },
            &runtime,
        );
        assert_eq!(trace.trace_id().len(), 32);
        assert_eq!(trace.span_id().len(), 16);
        assert_eq!(trace.parent_span_id(), None);
        assert_eq!(trace.tracestate(), None, "no parent, no state to continue");
        assert_eq!(trace.request_id().len(), 16);
        let kept = TraceContext::from_headers(
            |name| (name == "x-request-id").then_some("req-42"),
            &runtime,
        );
        assert_eq!(kept.request_id(), "req-42");
        assert_ne!(kept.span_id(), trace.span_id());
    }
}
