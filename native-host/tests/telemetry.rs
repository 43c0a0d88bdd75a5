//! Traces from `edgemcp serve` to an OTLP/HTTP receiver on loopback: the exported JSON
//! read with the official OTLP message types, the spans' links and attributes, the
//! caller's trace kept, the collector's header sent, and the last spans flushed at
//! SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use http_body_util::BodyExt;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{json, Value};
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

/// What the receiver got: each POST's path, `authorization` header and body.
type Received = Arc<Mutex<Vec<(String, Option<String>, Vec<u8>)>>>;

/// An OTLP/HTTP receiver on 127.0.0.1: answers every POST with 200 and keeps it.
async fn receiver() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let received: Received = Arc::default();
    let kept = received.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let kept = kept.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let kept = kept.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let auth = req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned);
                            let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
                            kept.lock().unwrap().push((path, auth, body));
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(
                                http_body_util::Full::new(hyper::body::Bytes::from_static(b"{}")),
                            ))
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (address, received)
}

/// Every span received so far, read with the official OTLP types.
fn spans(received: &Received) -> Vec<(Span, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for (path, _, body) in received.lock().unwrap().iter() {
        assert_eq!(path, "/v1/traces");
        let request: ExportTraceServiceRequest = serde_json::from_slice(body).unwrap_or_else(|e| {
            panic!(
                "not an OTLP export ({e}): {}",
                String::from_utf8_lossy(body)
            )
        });
        for resource_spans in request.resource_spans {
            let resource: Vec<(String, String)> = resource_spans
                .resource
                .map(|r| r.attributes)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|kv| match kv.value?.value? {
                    AnyValue::StringValue(text) => Some((kv.key, text)),
                    _ => None,
                })
                .collect();
            for scope in resource_spans.scope_spans {
                for span in scope.spans {
                    out.push((span, resource.clone()));
                }
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn string_attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(text) => Some(text.clone()),
            AnyValue::IntValue(number) => Some(number.to_string()),
            _ => None,
        })
}

/// `edgemcp serve` exporting to `endpoint`; the child, its address and its output so far.
fn serve(
    endpoint: &str,
    data: &std::path::Path,
) -> (std::process::Child, String, Arc<Mutex<String>>) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_edgemcp"))
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(data)
        .arg("--migrations-dir")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_SERVICE_NAME", "orders-mcp")
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20collector-secret",
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let output = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let kept = output.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            kept.lock().unwrap().push_str(&line);
        }
    });
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("edgemcp serve stopped before listening")
            .unwrap();
        output.lock().unwrap().push_str(&line);
        let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if event["message"] == "listening" {
            break event["address"].as_str().unwrap().to_owned();
        }
    };
    let kept = output.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            kept.lock().unwrap().push_str(&line);
        }
    });
    (child, address, output)
}

async fn call(address: &str, tool: &str, arguments: Value, traceparent: &str) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": tool, "arguments": arguments}});
    let status = reqwest::Client::new()
        .post(address)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25")
        .header("traceparent", traceparent)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_exports_linked_spans_over_otlp_and_flushes_them_at_sigterm() {
    let (endpoint, received) = receiver().await;
    let data = tempfile::tempdir().unwrap();
    let (mut child, address, output) = serve(&endpoint, data.path());
    let traceparent = format!("00-{TRACE}-{CALLER_SPAN}-01");
    call(
        &address,
        "sql_query",
        json!({"query": "SELECT count(*) FROM customers"}),
        &traceparent,
    )
    .await;

    // Exported in the background within about a second.
    let mut found = Vec::new();
    for _ in 0..100 {
        found = spans(&received);
        if found.iter().any(|(s, _)| s.name == "sql query") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let named = |name: &str| {
        found
            .iter()
            .find(|(s, _)| s.name == name)
            .map(|(s, _)| s.clone())
            .unwrap_or_else(|| {
                panic!(
                    "no span {name} in {:?}",
                    found.iter().map(|(s, _)| &s.name).collect::<Vec<_>>()
                )
            })
    };
    let request = named("POST /mcp");
    let message = named("tools/call sql_query");
    let tool = named("execute_tool sql_query");
    let store = named("sql query");
    for span in [&request, &message, &tool, &store] {
        assert_eq!(
            hex(&span.trace_id),
            TRACE,
            "{} keeps the caller's trace",
            span.name
        );
        assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
    }
    assert_eq!(hex(&request.parent_span_id), CALLER_SPAN);
    assert_eq!(message.parent_span_id, request.span_id);
    assert_eq!(tool.parent_span_id, message.span_id);
    assert_eq!(store.parent_span_id, tool.span_id);
    assert_eq!(
        string_attribute(&request, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        string_attribute(&message, "gen_ai.tool.name").as_deref(),
        Some("sql_query")
    );
    assert_eq!(
        string_attribute(&store, "edgemcp.store").as_deref(),
        Some("sql")
    );
    let resource = &found[0].1;
    assert!(
        resource.contains(&("service.name".to_owned(), "orders-mcp".to_owned())),
        "{resource:?}"
    );
    let auth = received.lock().unwrap()[0].1.clone();
    assert_eq!(auth.as_deref(), Some("Bearer collector-secret"));

    // A call just before SIGTERM: its spans are sent while the server stops.
    let before = received.lock().unwrap().len();
    let late = format!("00-{TRACE}-{}-01", "c0ffee00c0ffee00");
    call(
        &address,
        "kv_put",
        json!({"key": "late", "value": "v"}),
        &late,
    )
    .await;
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    let late_spans: Vec<String> = spans(&received)
        .into_iter()
        .filter(|(s, _)| hex(&s.parent_span_id) == "c0ffee00c0ffee00")
        .map(|(s, _)| s.name)
        .collect();
    assert_eq!(late_spans, ["POST /mcp"], "flushed at shutdown");
    assert!(received.lock().unwrap().len() > before);
    assert!(
        !output.lock().unwrap().contains("collector-secret"),
        "the collector's header never reaches the logs"
    );
}
