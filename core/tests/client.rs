//! The MCP client against a real edgemcp server in the same process: it connects in
//! 2026-07-28 or falls back to `initialize`, every message it sends validates against the
//! official schema of its revision, listings follow cursors, mirrored parameters travel
//! in the headers the server checks, and errors come back typed.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::schema::assert_valid;
use edgemcp::client::{Client, ClientError, ClientTransport, InProcess, Outgoing};
use edgemcp::jsonrpc::{ErrorObject, METHOD_NOT_FOUND};
use edgemcp::protocol::{Implementation, ProtocolVersion};
use edgemcp::runtime::{BoxFuture, Runtime};
use edgemcp::{Prompt, PromptMessage, Resource, Server, Tool, ToolResult};
use futures_executor::block_on;
use serde_json::{json, Value};
use std::sync::Mutex;

/// A message the client sent, with the headers it asked for.
type Sent = (Value, Vec<(String, String)>);

/// Records what the client sends, then hands it to the server.
struct Recording {
    inner: InProcess,
    sent: Mutex<Vec<Sent>>,
    /// Answer `server/discover` with -32601, as a 2025-only server would.
    refuse_discover: bool,
}

impl Recording {
    fn new(server: Server) -> Self {
        Recording {
            inner: InProcess::new(server),
            sent: Mutex::new(Vec::new()),
            refuse_discover: false,
        }
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
}

impl ClientTransport for Recording {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        self.sent
            .lock()
            .unwrap()
            .push((outgoing.message.clone(), outgoing.headers.to_vec()));
        if self.refuse_discover && outgoing.message["method"] == "server/discover" {
            let id = outgoing.message["id"].clone();
            return Box::pin(async move {
                Ok(Some(
                    json!({"jsonrpc": "2.0", "id": id, "error": ErrorObject::new(METHOD_NOT_FOUND, "no")}),
                ))
            });
        }
        self.inner.send(outgoing)
    }
}

fn server() -> Server {
    let echo = Tool::untyped(
        "echo",
        "Echoes `text`.",
        json!({"type": "object", "properties": {
            "text": {"type": "string"},
            "region": {"type": "string", "x-mcp-header": "Region"}
        }, "required": ["text"]}),
        |args, _cx| async move { Ok(ToolResult::text(args["text"].as_str().unwrap_or_default())) },
    );
    let mut builder = Server::builder("client-test", "1.0.0")
        .page_size(2)
        .tool(echo)
        .resource(Resource::text("test://a", "a", "text/plain", "A"))
        .prompt(Prompt::new("hello", "Says hello", |_, _| async {
            Ok(vec![PromptMessage::user("hello")])
        }));
    for n in 0..4 {
        builder = builder.tool(Tool::untyped(
            format!("extra_{n}"),
            "Does nothing.",
            json!({"type": "object"}),
            |_, _| async { Ok(ToolResult::text("")) },
        ));
    }
    builder.build(Runtime::for_tests(0)).unwrap()
}

/// The schema definition of the request or notification `method`.
fn definition(method: &str) -> &'static str {
    match method {
        "initialize" => "InitializeRequest",
        "notifications/initialized" => "InitializedNotification",
        "server/discover" => "DiscoverRequest",
        "tools/list" => "ListToolsRequest",
        "tools/call" => "CallToolRequest",
        "resources/list" => "ListResourcesRequest",
        "resources/read" => "ReadResourceRequest",
        "prompts/list" => "ListPromptsRequest",
        "prompts/get" => "GetPromptRequest",
        other => panic!("the client sent {other}"),
    }
}

/// Every call the client offers, then every message checked against the schema.
fn exercise(client: &Client<Recording>) {
    block_on(async {
        let tools = client.list_tools().await.unwrap();
        // Five tools at two per page: three pages, gathered.
        assert_eq!(tools.len(), 5);
        let result = client
            .call_tool("echo", json!({"text": "hi", "region": "eu-west"}))
            .await
            .unwrap();
        assert_eq!(result["content"][0]["text"], "hi");
        assert_eq!(client.list_resources().await.unwrap().len(), 1);
        let read = client.read_resource("test://a").await.unwrap();
        assert_eq!(read["contents"][0]["text"], "A");
        assert_eq!(client.list_prompts().await.unwrap().len(), 1);
        let prompt = client.get_prompt("hello", json!({})).await.unwrap();
        assert_eq!(prompt["messages"][0]["content"]["text"], "hello");
    });
    let version = client.version();
    for (message, _) in client.transport().sent() {
        let method = message["method"].as_str().unwrap();
        if method == "server/discover" && !version.is_stateless() {
            // The probe before the fallback speaks 2026-07-28, not the chosen revision.
            assert_valid(ProtocolVersion::V2026_07_28, "DiscoverRequest", &message);
            continue;
        }
        let envelope = if message.get("id").is_some() {
            "JSONRPCRequest"
        } else {
            "JSONRPCNotification"
        };
        assert_valid(version, envelope, &message);
        assert_valid(version, definition(method), &message);
    }
}

#[test]
fn connects_statelessly_and_sends_what_the_schema_allows() {
    let client = block_on(Client::connect(Recording::new(server()), "t", "1")).unwrap();
    assert_eq!(client.version(), ProtocolVersion::V2026_07_28);
    assert!(client.server()["supportedVersions"].is_array());
    exercise(&client);
    let sent = client.transport().sent();
    assert_eq!(sent[0].0["method"], "server/discover");
    assert!(
        sent.iter().all(|(m, _)| m["method"] != "initialize"),
        "a stateless connection never initializes"
    );
    // The call carried its method, name and mirrored parameter as headers, and the
    // server, which checks them, answered.
    let (_, headers) = sent
        .iter()
        .find(|(m, _)| m["method"] == "tools/call")
        .unwrap();
    for expected in [
        ("Mcp-Method", "tools/call"),
        ("Mcp-Name", "echo"),
        ("Mcp-Param-Region", "eu-west"),
        ("MCP-Protocol-Version", "2026-07-28"),
    ] {
        assert!(
            headers.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {headers:?}"
        );
    }
}

#[test]
fn falls_back_to_initialize_when_discover_is_unknown() {
    let mut transport = Recording::new(server());
    transport.refuse_discover = true;
    let client = block_on(Client::connect(transport, "t", "1")).unwrap();
    assert_eq!(client.version(), ProtocolVersion::LATEST_SESSION);
    assert_eq!(client.server()["serverInfo"]["name"], "client-test");
    let methods: Vec<String> = client
        .transport()
        .sent()
        .iter()
        .map(|(m, _)| m["method"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        methods,
        ["server/discover", "initialize", "notifications/initialized"]
    );
    exercise(&client);
}

#[test]
fn each_session_revision_can_be_asked_for() {
    for version in [
        ProtocolVersion::V2025_03_26,
        ProtocolVersion::V2025_06_18,
        ProtocolVersion::V2025_11_25,
    ] {
        let info = Implementation::new("t", "1");
        let client = block_on(Client::connect_with(
            Recording::new(server()),
            info,
            Some(version),
        ))
        .unwrap();
        assert_eq!(client.version(), version);
        exercise(&client);
    }
}

#[test]
fn server_errors_come_back_typed() {
    let client = block_on(Client::connect(InProcess::new(server()), "t", "1")).unwrap();
    let err = block_on(client.read_resource("test://missing")).unwrap_err();
    let rpc = err.rpc().expect("a JSON-RPC error");
    assert_eq!(rpc.code, edgemcp::jsonrpc::INVALID_PARAMS);
    assert!(err.to_string().contains("JSON-RPC error -32602"), "{err}");
    // A tool that fails is a result with isError, not an error.
    let result = block_on(client.call_tool("echo", json!({"text": 5}))).unwrap();
    assert_eq!(result["isError"], true);
    let err = block_on(client.request("no/such/method", Default::default())).unwrap_err();
    assert_eq!(err.rpc().map(|e| e.code), Some(METHOD_NOT_FOUND));
}

#[test]
fn a_credential_the_server_refuses_is_an_http_error() {
    let auth = edgemcp::auth::Auth::new(
        "https://mcp.example.com/mcp",
        edgemcp::auth::ApiKeys::from_hashes(
            ["85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa"],
            ["mcp:read"],
        )
        .unwrap(),
    );
    let server = Server::builder("locked", "1.0.0")
        .auth(auth)
        .build(Runtime::for_tests(0))
        .unwrap();
    let transport = InProcess::new(server).header("authorization", "Bearer wrong");
    let Err(err) = block_on(Client::connect(transport, "t", "1")) else {
        panic!("a wrong key connects")
    };
    assert!(
        matches!(err, ClientError::Http { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("authentication"), "{err}");
}
