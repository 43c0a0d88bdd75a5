//! The Lambda handler, called the way the Lambda runtime calls it: with real event JSON
//! from API Gateway (HTTP and REST APIs), a Function URL and an ALB, through
//! `lambda_http`'s adapter, and checked on the response JSON Lambda would return.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp_native::config::NativeConfig;
use lambda_http::request::LambdaRequest;
use lambda_http::{Context, LambdaEvent, Service};
use serde_json::Value;
use std::path::PathBuf;

fn server(data: &std::path::Path) -> edgemcp::Server {
    let migrations = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let args: Vec<String> = [
        "lambda",
        "--data-dir",
        data.to_str().unwrap(),
        "--migrations-dir",
        migrations.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    edgemcp_native::build_server(&NativeConfig::parse(&args, []).unwrap()).unwrap()
}

/// Sends one event file through the adapter; returns the response as Lambda serializes it.
async fn invoke(server: &edgemcp::Server, event: &str) -> Value {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/events")
            .join(event),
    )
    .unwrap();
    let request: LambdaRequest = serde_json::from_str(&text).unwrap();
    let server = server.clone();
    let handler = lambda_http::service_fn(move |req| {
        let server = server.clone();
        async move { edgemcp_native::lambda::handle(&server, req).await }
    });
    let mut adapter = lambda_http::Adapter::from(handler);
    let response = adapter
        .call(LambdaEvent::new(request, Context::default()))
        .await
        .unwrap();
    serde_json::to_value(response).unwrap()
}

/// A response header, from `headers` (HTTP APIs, Function URLs) or `multiValueHeaders`
/// (REST APIs, ALB), whichever the event's source uses.
fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    let find = |field: &str| {
        response[field]
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    match find("headers") {
        Some(value) => value.as_str(),
        None => find("multiValueHeaders")?.get(0)?.as_str(),
    }
}

fn json_body(response: &Value) -> Value {
    assert_eq!(
        response["isBase64Encoded"], false,
        "JSON answers travel as text: {response}"
    );
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn api_gateway_http_api_with_a_base64_body() {
    let data = tempfile::tempdir().unwrap();
    let response = invoke(&server(data.path()), "apigw_v2.json").await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    let body = json_body(&response);
    assert_eq!(body["id"], 1);
    assert!(body["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "sql_query"));
}

#[tokio::test]
async fn api_gateway_rest_api_streams_progress_as_one_sse_body() {
    let data = tempfile::tempdir().unwrap();
    let response = invoke(&server(data.path()), "apigw_rest.json").await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(header(&response, "content-type"), Some("text/event-stream"));
    let body = response["body"].as_str().unwrap();
    assert!(body.starts_with("event: message\ndata: "), "{body}");
    let last = body.trim_end().rsplit("data: ").next().unwrap();
    let reply: Value = serde_json::from_str(last).unwrap();
    assert_eq!(reply["id"], "rest-1");
    assert_eq!(
        reply["result"]["structuredContent"]["rows"][0][0], 50,
        "the sample store has 50 customers"
    );
}

#[tokio::test]
async fn function_url_refuses_a_foreign_origin() {
    let data = tempfile::tempdir().unwrap();
    let response = invoke(&server(data.path()), "function_url.json").await;
    assert_eq!(response["statusCode"], 403, "{response}");
    let body = json_body(&response);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("https://evil.example"));
}

#[tokio::test]
async fn alb_health_check() {
    let data = tempfile::tempdir().unwrap();
    let response = invoke(&server(data.path()), "alb_health.json").await;
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(json_body(&response)["status"], "ok");
}
