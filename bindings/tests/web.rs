//! `McpServer` in headless Chromium: registration, dispatch, JS handler errors and the
//! fetch-style `handle`. Run with `wasm-pack test --headless --chrome bindings`.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp_js::server::{
    PromptDefinition, PromptHandler, ResourceDefinition, ResourceHandler, ServerOptions,
    ToolDefinition, ToolHandler,
};
use edgemcp_js::McpServer;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

/// A JS function with `params`, whose body is `body`.
fn function(params: &str, body: &str) -> js_sys::Function {
    js_sys::Function::new_with_args(params, body)
}

/// A server with the tools, resources and prompts these tests call.
fn server() -> McpServer {
    let server = McpServer::new(
        js(json!({"name": "web-test", "version": "1.2.3"})).unchecked_into::<ServerOptions>(),
    )
    .unwrap();
    let tool = |name: &str, definition: Value, params: &str, body: &str| {
        server
            .tool(
                name,
                js(definition).unchecked_into::<ToolDefinition>(),
                function(params, body).unchecked_into::<ToolHandler>(),
            )
            .unwrap();
    };
    tool(
        "add",
        json!({
            "description": "Adds two numbers",
            "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]},
            "annotations": {"readOnlyHint": true, "idempotentHint": true}
        }),
        "args",
        "return { sum: args.a + args.b };",
    );
    tool(
        "greet",
        json!({"description": "Greets"}),
        "args",
        "return Promise.resolve('hello ' + (args.name || 'you'));",
    );
    tool(
        "explode",
        json!({"description": "Throws"}),
        "",
        "throw new Error('the tool exploded');",
    );
    tool(
        "reject",
        json!({"description": "Rejects"}),
        "",
        "return Promise.reject(new TypeError('no luck'));",
    );
    tool(
        "throw-string",
        json!({"description": "Throws a string"}),
        "",
        "throw 'plain string';",
    );
    tool(
        "refuse",
        json!({"description": "Refuses with a message for the user"}),
        "",
        "throw Object.assign(new Error('order 7 does not exist'), { expose: true });",
    );
    tool(
        "version",
        json!({"description": "Echoes the revision"}),
        "args, ctx",
        "return ctx.protocolVersion;",
    );
    server
        .resource(
            "notes://{topic}",
            js(json!({"name": "notes", "mimeType": "text/markdown"}))
                .unchecked_into::<ResourceDefinition>(),
            function("uri, vars", "return '# ' + vars.topic;").unchecked_into::<ResourceHandler>(),
        )
        .unwrap();
    server
        .resource(
            "data://bytes",
            js(json!({"name": "bytes"})).unchecked_into::<ResourceDefinition>(),
            function("", "return new Uint8Array([0, 1, 255]);").unchecked_into::<ResourceHandler>(),
        )
        .unwrap();
    server
        .prompt(
            "review",
            js(json!({"description": "Asks for a review", "arguments": [{"name": "language", "required": true, "complete": ["rust", "ruby", "go"]}]}))
                .unchecked_into::<PromptDefinition>(),
            function("args", "return [{ role: 'user', text: 'Review this ' + args.language }];").unchecked_into::<PromptHandler>(),
        )
        .unwrap();
    server
}

async fn send(server: &McpServer, message: Value) -> Value {
    let reply = JsFuture::from(server.handle_message(message.to_string(), None))
        .await
        .unwrap();
    serde_json::from_str(&reply.as_string().expect("a request gets a response")).unwrap()
}

async fn call(server: &McpServer, name: &str, arguments: Value) -> Value {
    let reply = send(
        server,
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": arguments, "_meta": {"io.modelcontextprotocol/protocolVersion": "2025-11-25"}}}),
    )
    .await;
    reply["result"].clone()
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}})
}

#[wasm_bindgen_test]
async fn registers_and_lists_tools_resources_and_prompts() {
    let server = server();
    let init = send(&server, initialize()).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "web-test");
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    let tools = send(
        &server,
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .await;
    let add = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "add")
        .unwrap()
        .clone();
    assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    let templates = send(
        &server,
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/templates/list"}),
    )
    .await;
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"],
        "notes://{topic}"
    );
    let prompts = send(
        &server,
        json!({"jsonrpc": "2.0", "id": 4, "method": "prompts/list"}),
    )
    .await;
    assert_eq!(
        prompts["result"]["prompts"][0]["arguments"][0]["name"],
        "language"
    );
}

#[wasm_bindgen_test]
async fn handle_message_remembers_the_negotiated_revision() {
    let server = server();
    send(&server, initialize()).await;
    let reply = send(&server, json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "version", "arguments": {}}})).await;
    assert_eq!(reply["result"]["content"][0]["text"], "2025-06-18");
}

#[wasm_bindgen_test]
fn refuses_a_taken_name_and_a_bad_definition_and_keeps_working() {
    let server = server();
    let again = server.tool(
        "add",
        js(json!({"description": "again"})).unchecked_into::<ToolDefinition>(),
        function("", "return 1;").unchecked_into::<ToolHandler>(),
    );
    let message = edgemcp_message(again.unwrap_err());
    assert!(message.contains("add"), "{message}");
    let no_description = server.tool(
        "nameless",
        js(json!({})).unchecked_into::<ToolDefinition>(),
        function("", "return 1;").unchecked_into::<ToolHandler>(),
    );
    assert!(edgemcp_message(no_description.unwrap_err()).contains("needs a description"));
    let bad_template = server.resource(
        "notes://{unclosed",
        js(json!({"name": "broken"})).unchecked_into::<ResourceDefinition>(),
        function("", "return '';").unchecked_into::<ResourceHandler>(),
    );
    assert!(bad_template.is_err());
    let bad_options = McpServer::new(js(json!({"name": "x"})).unchecked_into::<ServerOptions>());
    assert!(edgemcp_message(bad_options.err().unwrap()).contains("version"));
}

fn edgemcp_message(thrown: JsValue) -> String {
    thrown
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn js_handlers_answer_with_structured_text_and_async_results() {
    let server = server();
    let sum = call(&server, "add", json!({"a": 2, "b": 40})).await;
    assert_eq!(sum["structuredContent"], json!({"sum": 42}));
    assert_eq!(sum["isError"], Value::Null);
    let greeting = call(&server, "greet", json!({"name": "Ada"})).await;
    assert_eq!(greeting["content"][0]["text"], "hello Ada");
}

#[wasm_bindgen_test]
async fn js_errors_become_is_error_results_with_their_message_only_when_exposed() {
    let server = server();
    // A throw is internal: the client gets a correlation id, never the message.
    for (tool, detail) in [
        ("explode", "the tool exploded"),
        ("reject", "no luck"),
        ("throw-string", "plain string"),
    ] {
        let result = call(&server, tool, json!({})).await;
        assert_eq!(result["isError"], true, "{tool}: {result}");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("correlation id"), "{tool}: {text}");
        assert!(!text.contains(detail), "{tool}: {text}");
    }
    // One marked `expose` is written for the user and passes.
    let refused = call(&server, "refuse", json!({})).await;
    assert_eq!(refused["isError"], true);
    assert_eq!(refused["content"][0]["text"], "order 7 does not exist");
    let wrong = call(&server, "add", json!({"a": "two", "b": 1})).await;
    assert_eq!(wrong["isError"], true);
    let text = wrong["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("`a`") && text.contains("number"), "{text}");
    // The module still works after all of that.
    let sum = call(&server, "add", json!({"a": 1, "b": 1})).await;
    assert_eq!(sum["structuredContent"]["sum"], 2);
}

#[wasm_bindgen_test]
async fn resources_prompts_and_completion_run_js_handlers() {
    let server = server();
    let read = send(&server, json!({"jsonrpc": "2.0", "id": 5, "method": "resources/read", "params": {"uri": "notes://rust"}})).await;
    assert_eq!(read["result"]["contents"][0]["text"], "# rust");
    assert_eq!(read["result"]["contents"][0]["mimeType"], "text/markdown");
    let bytes = send(&server, json!({"jsonrpc": "2.0", "id": 6, "method": "resources/read", "params": {"uri": "data://bytes"}})).await;
    assert_eq!(bytes["result"]["contents"][0]["blob"], "AAH/");
    let prompt = send(&server, json!({"jsonrpc": "2.0", "id": 7, "method": "prompts/get", "params": {"name": "review", "arguments": {"language": "rust"}}})).await;
    assert_eq!(
        prompt["result"]["messages"][0]["content"]["text"],
        "Review this rust"
    );
    let missing = send(
        &server,
        json!({"jsonrpc": "2.0", "id": 8, "method": "prompts/get", "params": {"name": "review"}}),
    )
    .await;
    assert_eq!(missing["error"]["code"], -32602);
    let completion = send(&server, json!({"jsonrpc": "2.0", "id": 9, "method": "completion/complete", "params": {
        "ref": {"type": "ref/prompt", "name": "review"}, "argument": {"name": "language", "value": "ru"}}})).await;
    assert_eq!(
        completion["result"]["completion"]["values"],
        json!(["rust", "ruby"])
    );
}

#[wasm_bindgen_test]
async fn malformed_messages_get_json_rpc_errors() {
    let server = server();
    let reply = JsFuture::from(server.handle_message("{not json".into(), None))
        .await
        .unwrap();
    let reply: Value = serde_json::from_str(&reply.as_string().unwrap()).unwrap();
    assert_eq!(reply["error"]["code"], -32700);
    let note = JsFuture::from(server.handle_message(
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.into(),
        None,
    ))
    .await
    .unwrap();
    assert!(note.is_null(), "a notification gets no response");
}

async fn fetch(
    server: &McpServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> web_sys::Response {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let h = web_sys::Headers::new().unwrap();
    for (name, value) in headers {
        h.append(name, value).unwrap();
    }
    init.set_headers(&h);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    let request =
        web_sys::Request::new_with_str_and_init(&format!("https://example.test{path}"), &init)
            .unwrap();
    JsFuture::from(server.handle(request))
        .await
        .unwrap()
        .unchecked_into()
}

async fn text(response: &web_sys::Response) -> String {
    JsFuture::from(response.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap()
}

const JSON_HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/json"),
    ("accept", "application/json, text/event-stream"),
    ("mcp-protocol-version", "2025-11-25"),
];

#[wasm_bindgen_test]
async fn handle_serves_streamable_http_from_a_fetch_request() {
    let server = server();
    let call = r#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}"#;
    let response = fetch(&server, "POST", "/mcp", JSON_HEADERS, Some(call)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").unwrap().as_deref(),
        Some("application/json")
    );
    let body: Value = serde_json::from_str(&text(&response).await).unwrap();
    assert_eq!(body["id"], "a");
    assert_eq!(body["result"]["structuredContent"]["sum"], 3);

    let note = fetch(
        &server,
        "POST",
        "/mcp",
        JSON_HEADERS,
        Some(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
    )
    .await;
    assert_eq!(note.status(), 202);
    assert_eq!(text(&note).await, "");

    let health = fetch(&server, "GET", "/health", &[], None).await;
    assert_eq!(health.status(), 200);

    // (A page cannot set `Origin` on a Request it builds; the Node tests cover it.)
    let unsupported = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("mcp-protocol-version", "1999-01-01"),
    ];
    let refused = fetch(&server, "POST", "/mcp", &unsupported, Some(call)).await;
    assert_eq!(refused.status(), 400);

    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"pad":"{}"}}}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let too_large = fetch(&server, "POST", "/mcp", JSON_HEADERS, Some(&huge)).await;
    assert_eq!(too_large.status(), 413);

    let wrong_type = fetch(
        &server,
        "POST",
        "/mcp",
        &[
            ("content-type", "text/plain"),
            ("accept", "application/json"),
        ],
        Some(call),
    )
    .await;
    assert_eq!(wrong_type.status(), 415);
}

#[wasm_bindgen_test]
async fn handle_sends_progress_as_an_sse_body() {
    let server = McpServer::new(
        js(json!({"name": "sse", "version": "1"})).unchecked_into::<ServerOptions>(),
    )
    .unwrap();
    server
        .tool(
            "count",
            js(json!({"description": "Counts"})).unchecked_into::<ToolDefinition>(),
            function(
                "args, ctx",
                "for (let i = 1; i <= 3; i++) ctx.progress(i, 3, 'step ' + i); return 'done';",
            )
            .unchecked_into::<ToolHandler>(),
        )
        .unwrap();
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"count","arguments":{},"_meta":{"progressToken":"p"}}}"#;
    let response = fetch(&server, "POST", "/mcp", JSON_HEADERS, Some(call)).await;
    assert_eq!(
        response.headers().get("content-type").unwrap().as_deref(),
        Some("text/event-stream")
    );
    let body = text(&response).await;
    let events: Vec<Value> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(
        events.len(),
        4,
        "three progress notifications, then the result: {body}"
    );
    assert_eq!(events[2]["params"]["message"], "step 3");
    assert_eq!(events[3]["result"]["content"][0]["text"], "done");
}
