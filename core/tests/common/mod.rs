//! Shared test fixtures: a server that registers one of everything, a client that speaks
//! each revision over the HTTP function, and (natively) a validator that checks every
//! message against the official JSON Schema of the revision it speaks.

#![allow(dead_code, unreachable_pub)]

#[cfg(not(target_arch = "wasm32"))]
pub mod schema;

use edgemcp::http::{HttpBody, HttpRequest, HttpResponse};
use edgemcp::prompt::Completer;
use edgemcp::protocol::{Content, LogLevel, ProtocolVersion, ResourceContents, ToolAnnotations};
use edgemcp::runtime::{
    testing::CountingRng, testing::ImmediateTimer, testing::ManualClock, Runtime,
};
use edgemcp::{
    Caller, Error, Outcome, Prompt, PromptArgument, PromptMessage, Resource, ResourceTemplate,
    Server, Tool, ToolResult,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Every revision, for scenarios that run on each.
pub const REVISIONS: [ProtocolVersion; 4] = ProtocolVersion::ALL;

#[derive(Deserialize, JsonSchema)]
pub struct AddArgs {
    /// First addend.
    pub a: i64,
    /// Second addend.
    pub b: i64,
}

#[derive(Serialize, JsonSchema)]
pub struct Sum {
    pub sum: i64,
}

#[derive(Deserialize, JsonSchema)]
pub struct Steps {
    pub steps: u32,
}

#[derive(Serialize, JsonSchema)]
pub struct Done {
    pub done: u32,
}

/// 120 product names, enough to page through completions and lists.
pub fn product_names() -> Vec<String> {
    (0..120).map(|i| format!("product-{i:03}")).collect()
}

/// The fixture server's builder: tools, resources, templates, prompts and completions.
pub fn fixture_builder() -> edgemcp::ServerBuilder {
    Server::builder("fixture", "1.2.3")
        .title("Fixture server")
        .instructions("A server that registers one of everything, for tests.")
        .tool(
            Tool::typed("add", "Adds two integers.", |args: AddArgs, _cx| async move {
                Ok(Sum { sum: args.a + args.b })
            })
            .title("Add")
            .annotations(ToolAnnotations::read_only().title("Add")),
        )
        .tool(Tool::untyped(
            "echo",
            "Echoes `text` back.",
            json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
            |args, _cx| async move { Ok(ToolResult::text(args["text"].as_str().unwrap_or_default())) },
        ))
        .tool(Tool::untyped(
            "fail",
            "Always fails.",
            json!({"type": "object"}),
            |_args, _cx| async move { Err::<ToolResult, _>(Error::storage("The disk is on fire; try again later.")) },
        ))
        .tool(Tool::typed("count", "Counts to `steps`, reporting progress and logs.", |args: Steps, cx| async move {
            for i in 1..=args.steps {
                cx.progress(f64::from(i), Some(f64::from(args.steps)), Some(&format!("step {i}")));
                cx.log(LogLevel::Info, Some("count"), json!({"step": i}));
            }
            cx.log(LogLevel::Debug, Some("count"), json!("debug detail"));
            Ok(Done { done: args.steps })
        }))
        .tool(Tool::untyped(
            "media",
            "Returns an image, audio, an embedded resource and a resource link.",
            json!({"type": "object"}),
            |_args, _cx| async move {
                Ok(ToolResult::content(vec![
                    Content::image(&[0x89, b'P', b'N', b'G'], "image/png"),
                    Content::audio(b"RIFF", "audio/wav"),
                    Content::resource(ResourceContents::text("docs://readme", "text/markdown", "# Readme")),
                    Content::ResourceLink {
                        uri: "docs://readme".into(),
                        name: "readme".into(),
                        description: None,
                        mime_type: Some("text/markdown".into()),
                    },
                ]))
            },
        ))
        .tool(Tool::untyped(
            "hang",
            "Never finishes.",
            json!({"type": "object"}),
            |_args, _cx| futures_util::future::pending::<edgemcp::Result<ToolResult>>(),
        ))
        .resource(Resource::text("docs://readme", "readme", "text/markdown", "# Readme").title("Read me"))
        .resource(Resource::blob("docs://logo", "logo", "image/png", &[1, 2, 3, 255]))
        .resource_template(
            ResourceTemplate::new("products://{id}", "product", |uri, vars, _cx| async move {
                let id = vars.get("id").unwrap_or_default().to_owned();
                if id.starts_with("product-") {
                    Ok(vec![ResourceContents::text(uri, "application/json", json!({"id": id}).to_string())])
                } else {
                    Err(Error::not_found(format!("No product {id}.")))
                }
            })
            .expect("valid template")
            .title("Product")
            .mime_type("application/json")
            .complete("id", Completer::values(product_names())),
        )
        .prompt(
            Prompt::new("review", "Asks for a review of a product page.", |args, _cx| async move {
                let product = args.get("product").cloned().unwrap_or_default();
                let tone = args.get("tone").cloned().unwrap_or_else(|| "neutral".into());
                Ok(vec![
                    PromptMessage::user(format!("Review {product} in a {tone} tone.")),
                    PromptMessage {
                        role: edgemcp::protocol::Role::User,
                        content: Content::resource(ResourceContents::text(
                            format!("products://{product}"),
                            "application/json",
                            json!({"id": product}).to_string(),
                        )),
                    },
                    PromptMessage::assistant("I will review it."),
                ])
            })
            .title("Review")
            .argument(PromptArgument::required("product", "The product id.").complete(Completer::values(product_names())))
            .argument(PromptArgument::optional("tone", "The tone.").complete(Completer::values(["friendly", "formal", "frank"]))),
        )
}

/// The fixture server on a test runtime whose timers never fire.
pub fn fixture() -> Server {
    fixture_builder()
        .build(Runtime::for_tests(1_700_000_000_000))
        .expect("fixture builds")
}

/// The fixture server on a runtime whose timers fire at once: every tool call times out
/// unless it finishes without waiting.
pub fn fixture_with_instant_timeouts() -> Server {
    fixture_builder()
        .build(Runtime::new(
            ManualClock::new(0),
            ImmediateTimer,
            CountingRng::default(),
        ))
        .expect("fixture builds")
}

/// A client that speaks one revision over `Server::handle_http`, the way real clients do:
/// `initialize`-era revisions send the `MCP-Protocol-Version` header; 2026-07-28 also sends
/// per-request `_meta`, `Mcp-Method` and `Mcp-Name`.
pub struct Client {
    pub server: Server,
    pub version: ProtocolVersion,
    next_id: std::cell::Cell<i64>,
}

/// A response as the client saw it.
#[derive(Debug)]
pub struct Seen {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: Option<String>,
    /// The JSON body, or every SSE event's data in order.
    pub messages: Vec<Value>,
}

impl Seen {
    /// The only (or last) message: the response.
    pub fn response(&self) -> &Value {
        self.messages.last().expect("a response")
    }

    pub fn result(&self) -> &Value {
        let r = self.response();
        assert!(r.get("error").is_none(), "expected a result, got {r}");
        &r["result"]
    }

    pub fn error_code(&self) -> i64 {
        self.response()["error"]["code"]
            .as_i64()
            .unwrap_or_else(|| panic!("expected an error, got {}", self.response()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub fn new(server: Server, version: ProtocolVersion) -> Self {
        Client {
            server,
            version,
            next_id: std::cell::Cell::new(1),
        }
    }

    /// Builds the HTTP request for `method` as this revision's client would send it.
    pub fn request(&self, method: &str, mut params: Value) -> HttpRequest {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut req = HttpRequest::new("POST", "/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        if method != "initialize" {
            req = req.header("mcp-protocol-version", self.version.as_str());
        }
        if self.version.is_stateless() {
            let meta = params
                .as_object_mut()
                .expect("params are an object")
                .entry("_meta")
                .or_insert_with(|| json!({}));
            meta["io.modelcontextprotocol/protocolVersion"] = json!(self.version.as_str());
            meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
            meta["io.modelcontextprotocol/clientInfo"] =
                json!({"name": "edgemcp-tests", "version": "0"});
            req = req.header("mcp-method", method);
            let name = match method {
                "tools/call" | "prompts/get" => params["name"].as_str(),
                "resources/read" => params["uri"].as_str(),
                _ => None,
            };
            if let Some(name) = name {
                req = req.header("mcp-name", name);
            }
        }
        req.body(
            serde_json::to_vec(
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            )
            .unwrap(),
        )
    }

    /// Sends `method` and checks what comes back against the revision's schema.
    pub async fn call(&self, method: &str, params: Value) -> Seen {
        let req = self.request(method, params);
        let seen = send(&self.server, req).await;
        self.check(method, &seen);
        seen
    }

    /// Checks every message of `seen` against the schema of this client's revision.
    pub fn check(&self, method: &str, seen: &Seen) {
        #[cfg(not(target_arch = "wasm32"))]
        for message in &seen.messages {
            schema::check_message(self.version, method, message);
        }
        #[cfg(target_arch = "wasm32")]
        let _ = (method, seen);
    }
}

/// Sends a raw request and reads the whole response.
pub async fn send(server: &Server, req: HttpRequest) -> Seen {
    let response: HttpResponse = server.handle_http(req).await;
    let status = response.status;
    let headers = response.headers.clone();
    let content_type = response.header_value("content-type").map(str::to_owned);
    let is_sse = matches!(response.body, HttpBody::Sse(_));
    let body = response.collect_body().await;
    let messages = if body.is_empty() {
        Vec::new()
    } else if is_sse {
        parse_sse(&body)
    } else {
        vec![serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&body))
        })]
    };
    Seen {
        status,
        headers,
        content_type,
        messages,
    }
}

/// The JSON of each `data:` line of an SSE body.
pub fn parse_sse(body: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(body).expect("SSE is UTF-8");
    text.split("\n\n")
        .filter(|event| !event.trim().is_empty())
        .map(|event| {
            let data: String = event
                .lines()
                .filter_map(|line| line.strip_prefix("data: "))
                .collect();
            serde_json::from_str(&data)
                .unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {data}"))
        })
        .collect()
}

/// POSTs `body` with `headers` over HTTP, hands the same message to the bare-message
/// entry point as the caller those headers stand for (the `Authorization` bearer token,
/// the `MCP-Protocol-Version` revision), and checks both answer alike: the same status,
/// and the same result or error. Returns what HTTP saw.
///
/// A header that is not `Bearer <token>` has no bare equivalent; then only HTTP runs.
pub async fn post_both(server: &Server, body: &str, headers: &[(&str, &str)]) -> Seen {
    let seen = send(server, raw_post(body, headers)).await;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let caller = match header("authorization") {
        None => Caller::anonymous(),
        Some(value) => match value.strip_prefix("Bearer ").map(str::trim) {
            Some(token) if !token.is_empty() => Caller::bearer(token),
            _ => return seen,
        },
    };
    let transport = header("mcp-protocol-version").map(|v| v.parse().unwrap());
    let bare = match server
        .handle_incoming(edgemcp::jsonrpc::parse(body.as_bytes()), transport, caller)
        .await
    {
        Outcome::One(reply) => reply,
        other => panic!("one reply expected from the bare path, got {other:?}"),
    };
    let response = serde_json::to_value(&bare.response).unwrap();
    assert_eq!(
        bare.http_status, seen.status,
        "bare vs HTTP status for {body}: {response}"
    );
    for part in ["result", "error"] {
        assert_eq!(
            response.get(part),
            seen.response().get(part),
            "bare vs HTTP {part} for {body}"
        );
    }
    seen
}

/// A POST with the given raw body and extra headers.
pub fn raw_post(body: &str, headers: &[(&str, &str)]) -> HttpRequest {
    let mut req = HttpRequest::new("POST", "/mcp").body(body.as_bytes().to_vec());
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if !has("content-type") {
        req = req.header("content-type", "application/json");
    }
    if !has("accept") {
        req = req.header("accept", "application/json, text/event-stream");
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req
}

/// Runs each scenario as a native `#[test]` and as a `wasm_bindgen_test` on wasm32.
#[macro_export]
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(not(target_arch = "wasm32"))]
            #[test]
            fn $name() {
                futures_executor::block_on(scenarios::$name());
            }

            #[cfg(target_arch = "wasm32")]
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $name() {
                scenarios::$name().await;
            }
        )*
    };
}
