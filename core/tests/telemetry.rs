//! Traces: the spans a request leaves (HTTP request → message → tool → storage call and
//! outgoing GET), their links, the caller's trace kept, `traceparent` on outgoing calls,
//! sampling, and the OTLP/JSON body.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::raw_post;
use edgemcp::jsonrpc;
use edgemcp::runtime::{BoxFuture, Fetched, HttpClient, Runtime};
use edgemcp::storage::{BreakerSettings, CircuitBreaker, Guarded, KvPut, KvStore, MemoryKv};
use edgemcp::telemetry::{AttributeValue, OtlpSettings, Sampler, SpanKind, SpanRecord, SpanSink};
use edgemcp::{Caller, Outcome, Server, Tool, ToolResult};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Keeps every span recorded.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<SpanRecord>>>);

impl SpanSink for Captured {
    fn record(&self, span: SpanRecord) {
        self.0.lock().unwrap().push(span);
    }
}

impl Captured {
    fn spans(&self) -> Vec<SpanRecord> {
        self.0.lock().unwrap().clone()
    }
    fn named(&self, name: &str) -> SpanRecord {
        self.spans()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name} in {:#?}", self.spans()))
    }
}

/// The headers of one request.
type Headers = Vec<(&'static str, String)>;

/// An HTTP client that answers `{}` and keeps the headers of each GET.
#[derive(Clone, Default)]
struct Recorded(Arc<Mutex<Vec<Headers>>>);

impl HttpClient for Recorded {
    fn get<'a>(
        &'a self,
        _url: &'a str,
        headers: &'a [(&'static str, String)],
        _max_bytes: usize,
    ) -> BoxFuture<'a, edgemcp::Result<Fetched>> {
        self.0.lock().unwrap().push(headers.to_vec());
        Box::pin(async {
            Ok(Fetched {
                status: 200,
                body: b"{}".to_vec(),
            })
        })
    }
}

impl Recorded {
    fn traceparents(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|h| {
                h.iter()
                    .find(|(n, _)| *n == "traceparent")
                    .map(|(_, v)| v.clone())
            })
            .collect()
    }
}

/// A server whose tool `sync` GETs a URL and writes the answer to a KV store (behind its
/// breaker, as every host puts its stores).
fn traced_server(sampler: Sampler) -> (Server, Captured, Recorded) {
    let (spans, http) = (Captured::default(), Recorded::default());
    let runtime = Runtime::for_tests(1_700_000_000_000)
        .with_http_client(http.clone())
        .with_spans(spans.clone(), sampler);
    let breaker = Arc::new(CircuitBreaker::new(
        "kv",
        BreakerSettings::default(),
        runtime.clone(),
    ));
    let kv: Arc<dyn KvStore> = Arc::new(Guarded::new(
        Arc::new(MemoryKv::new(runtime.clone())),
        breaker,
    ));
    let tool = Tool::untyped(
        "sync",
        "Fetches and stores",
        json!({"type": "object"}),
        move |_, cx| {
            let kv = kv.clone();
            async move {
                let fetched = cx
                    .runtime()
                    .http_get("https://api.example.com/state?key=1", 1024)
                    .await?;
                kv.put("state", fetched.body, KvPut::default()).await?;
                Ok(ToolResult::text("synced"))
            }
        },
    );
    let server = Server::builder("traced", "1.0.0")
        .tool(tool)
        .build(runtime)
        .unwrap();
    (server, spans, http)
}

fn call_sync(server: &Server, traceparent: Option<&str>) -> u16 {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                      "params": {"name": "sync", "arguments": {}}})
    .to_string();
    let mut headers = vec![("mcp-protocol-version", "2025-11-25")];
    if let Some(traceparent) = traceparent {
        headers.push(("traceparent", traceparent));
    }
    futures_executor::block_on(server.handle_http(raw_post(&body, &headers))).status
}

fn attribute<'a>(span: &'a SpanRecord, key: &str) -> Option<&'a AttributeValue> {
    span.attributes
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

#[test]
fn a_request_leaves_linked_spans_in_the_callers_trace_and_passes_it_on() {
    let (server, spans, http) = traced_server(Sampler::default());
    let traceparent = format!("00-{TRACE}-{CALLER_SPAN}-01");
    assert_eq!(call_sync(&server, Some(&traceparent)), 200);

    let request = spans.named("POST /mcp");
    let message = spans.named("tools/call sync");
    let tool = spans.named("execute_tool sync");
    let store = spans.named("kv put");
    let get = spans.named("GET");
    assert_eq!(spans.spans().len(), 5, "{:#?}", spans.spans());
    for span in [&request, &message, &tool, &store, &get] {
        assert_eq!(
            span.trace_id, TRACE,
            "{} keeps the caller's trace",
            span.name
        );
        assert!(span.end_unix_nanos >= span.start_unix_nanos);
        assert_eq!(span.error, None, "{}", span.name);
    }
    assert_eq!(request.parent_span_id.as_deref(), Some(CALLER_SPAN));
    assert_eq!(
        message.parent_span_id.as_deref(),
        Some(request.span_id.as_str())
    );
    assert_eq!(
        tool.parent_span_id.as_deref(),
        Some(message.span_id.as_str())
    );
    assert_eq!(store.parent_span_id.as_deref(), Some(tool.span_id.as_str()));
    assert_eq!(get.parent_span_id.as_deref(), Some(tool.span_id.as_str()));
    assert_eq!(
        (request.kind, message.kind, tool.kind, store.kind, get.kind),
        (
            SpanKind::Server,
            SpanKind::Server,
            SpanKind::Internal,
            SpanKind::Client,
            SpanKind::Client
        )
    );
    assert_eq!(
        attribute(&request, "http.response.status_code"),
        Some(&AttributeValue::Int(200))
    );
    assert_eq!(
        attribute(&message, "mcp.method.name"),
        Some(&"tools/call".into())
    );
    assert_eq!(
        attribute(&message, "gen_ai.tool.name"),
        Some(&"sync".into())
    );
    assert_eq!(attribute(&message, "jsonrpc.request.id"), Some(&"7".into()));
    assert_eq!(
        attribute(&tool, "gen_ai.operation.name"),
        Some(&"execute_tool".into())
    );
    assert_eq!(attribute(&store, "db.operation.name"), Some(&"put".into()));
    assert_eq!(
        attribute(&get, "url.full"),
        Some(&"https://api.example.com/state".into()),
        "the query string stays out of the span"
    );
    // The GET went out as a child of the tool, in the caller's trace.
    assert_eq!(
        http.traceparents(),
        [format!("00-{TRACE}-{}-01", get.span_id)]
    );
}

#[test]
fn an_unsampled_trace_records_nothing_and_still_passes_the_context_on() {
    let (server, spans, http) = traced_server(Sampler::default());
    assert_eq!(
        call_sync(&server, Some(&format!("00-{TRACE}-{CALLER_SPAN}-00"))),
        200
    );
    assert!(spans.spans().is_empty(), "{:#?}", spans.spans());
    let sent = http.traceparents();
    assert_eq!(sent.len(), 1);
    let parts: Vec<&str> = sent[0].split('-').collect();
    assert_eq!(
        (parts[1], parts[3]),
        (TRACE, "00"),
        "the same trace, not sampled"
    );
    assert_ne!(
        parts[2], CALLER_SPAN,
        "the server's own span is the parent, not the caller's"
    );
}

#[test]
fn the_sampler_decides_new_traces_and_may_override_the_callers_flag() {
    let (server, spans, _) = traced_server(Sampler::parent_based(Sampler::ratio(0.0)));
    call_sync(&server, None);
    assert!(
        spans.spans().is_empty(),
        "a new trace at ratio 0 is not recorded"
    );
    call_sync(&server, Some(&format!("00-{TRACE}-{CALLER_SPAN}-01")));
    assert_eq!(spans.spans().len(), 5, "the caller's sampled flag is kept");

    let (server, spans, _) = traced_server(Sampler::AlwaysOff);
    call_sync(&server, Some(&format!("00-{TRACE}-{CALLER_SPAN}-01")));
    assert!(
        spans.spans().is_empty(),
        "always_off records nothing, whatever the caller says"
    );

    let (server, spans, _) = traced_server(Sampler::default());
    call_sync(&server, None);
    let request = spans.named("POST /mcp");
    assert_eq!(
        request.parent_span_id, None,
        "a new trace starts at the request"
    );
    assert_eq!(request.trace_id.len(), 32);
}

#[test]
fn on_a_bare_transport_the_message_is_the_root() {
    let (server, spans, _) = traced_server(Sampler::default());
    let message = jsonrpc::parse(
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sync","arguments":{}}}"#,
    );
    let Outcome::One(reply) =
        futures_executor::block_on(server.handle_incoming(message, None, Caller::trusted()))
    else {
        panic!("one answer")
    };
    assert!(reply.response.outcome.is_ok());
    let message = spans.named("tools/call sync");
    assert_eq!(message.parent_span_id, None);
    assert_eq!(
        spans.named("execute_tool sync").parent_span_id.as_deref(),
        Some(message.span_id.as_str())
    );
}

#[test]
fn spans_are_written_as_otlp_json() {
    let (server, spans, _) = traced_server(Sampler::default());
    call_sync(&server, Some(&format!("00-{TRACE}-{CALLER_SPAN}-01")));
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
        ("OTEL_SERVICE_NAME", "orders"),
    ];
    let settings = OtlpSettings::from_vars(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
    .unwrap();
    let body: Value = serde_json::from_str(&settings.body(&spans.spans())).unwrap();
    let resource = &body["resourceSpans"][0];
    assert_eq!(
        resource["resource"]["attributes"][0],
        json!({"key": "service.name", "value": {"stringValue": "orders"}})
    );
    let exported = resource["scopeSpans"][0]["spans"].as_array().unwrap();
    assert_eq!(exported.len(), 5);
    let request = exported.iter().find(|s| s["name"] == "POST /mcp").unwrap();
    assert_eq!(request["traceId"], TRACE);
    assert_eq!(request["parentSpanId"], CALLER_SPAN);
    assert_eq!(request["kind"], 2);
    assert!(request["startTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    let status = request["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "http.response.status_code")
        .unwrap();
    assert_eq!(status["value"], json!({"intValue": "200"}));
}

#[test]
fn otlp_settings_come_from_the_standard_variables_and_name_mistakes() {
    let read = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        OtlpSettings::from_vars(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    };
    assert!(
        read(&[]).unwrap().is_none(),
        "no endpoint: nothing exported"
    );
    assert!(read(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_SDK_DISABLED", "true")
    ])
    .unwrap()
    .is_none());
    let full = read(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://c.example/traces",
        ),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=prod,service.name=ignored",
        ),
    ])
    .unwrap()
    .unwrap();
    assert_eq!(full.endpoint, "https://c.example/traces");
    assert_eq!(
        full.resource,
        [
            ("service.name".to_owned(), "edgemcp".to_owned()),
            ("deployment.environment".to_owned(), "prod".to_owned())
        ]
    );
    for (pairs, says) in [
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")][..],
            "http:// or https://",
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ][..],
            "OTLP/HTTP",
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "no-equals"),
            ][..],
            "OTEL_EXPORTER_OTLP_HEADERS",
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c"),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            ][..],
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ),
    ] {
        let err = read(pairs).unwrap_err();
        assert!(err.message().contains(says), "{pairs:?}: {}", err.message());
    }
}
