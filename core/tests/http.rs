//! The Streamable HTTP function: transport rules, JSON-RPC framing, SSE, and the header
//! rules of the stateless revision.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    health_and_unknown_paths,
    only_post_and_preflight_are_served,
    origins_are_checked_and_cors_headers_echoed,
    content_type_accept_and_body_limits,
    jsonrpc_framing_errors,
    notifications_and_client_responses_get_202,
    batches_only_in_2025_03_26,
    protocol_version_header_rules,
    stateless_header_rules,
    stateless_error_precedence,
    required_client_capabilities,
    multi_round_tool_calls,
    progress_and_logs_stream_over_sse,
    no_stream_without_event_stream_accept,
);

mod scenarios {
    use super::common::*;
    use edgemcp::http::{HttpConfig, HttpRequest};
    use edgemcp::protocol::ProtocolVersion;
    use edgemcp::runtime::Runtime;
    use serde_json::{json, Value};

    const PING: &str = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;

    pub(crate) async fn health_and_unknown_paths() {
        let server = fixture();
        let seen = send(&server, HttpRequest::new("GET", "/health")).await;
        assert_eq!(seen.status, 200);
        assert_eq!(
            seen.response(),
            &json!({"status": "ok", "name": "fixture", "version": "1.2.3"})
        );
        let seen = send(&server, HttpRequest::new("GET", "/elsewhere")).await;
        assert_eq!(seen.status, 404);
        let seen = send(&server, raw_post(PING, &[]).clone()).await;
        assert_eq!(seen.status, 200);
        let mut req = raw_post(PING, &[]);
        req.path = "/mcp?trace=1".into();
        assert_eq!(
            send(&server, req).await.status,
            200,
            "a query string does not change the path"
        );
        let custom = fixture_builder()
            .http(HttpConfig::default().endpoint("/v1/mcp"))
            .build(Runtime::for_tests(0))
            .unwrap();
        assert_eq!(send(&custom, raw_post(PING, &[])).await.status, 404);
        let mut req = raw_post(PING, &[]);
        req.path = "/v1/mcp".into();
        assert_eq!(send(&custom, req).await.status, 200);
    }

    pub(crate) async fn only_post_and_preflight_are_served() {
        let server = fixture();
        for method in ["GET", "DELETE", "PUT", "PATCH"] {
            let seen = send(
                &server,
                HttpRequest::new(method, "/mcp").header("accept", "text/event-stream"),
            )
            .await;
            assert_eq!(seen.status, 405, "{method}");
            assert_eq!(seen.header("allow"), Some("POST, OPTIONS"));
            assert_eq!(seen.response()["error"]["code"], -32600);
        }
        let seen = send(
            &server,
            HttpRequest::new("OPTIONS", "/mcp")
                .header("origin", "http://localhost:6274")
                .header("access-control-request-method", "POST"),
        )
        .await;
        assert_eq!(seen.status, 204);
        assert_eq!(
            seen.header("access-control-allow-origin"),
            Some("http://localhost:6274")
        );
        assert!(seen
            .header("access-control-allow-headers")
            .unwrap()
            .contains("mcp-protocol-version"));
        assert!(seen
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST"));
        assert_eq!(seen.header("vary"), Some("Origin"));
    }

    pub(crate) async fn origins_are_checked_and_cors_headers_echoed() {
        let server = fixture_builder()
            .http(HttpConfig::default().allow_origin("https://app.example.com"))
            .build(Runtime::for_tests(0))
            .unwrap();
        for (origin, status) in [
            ("https://app.example.com", 200),
            ("http://localhost:3000", 200),
            ("http://127.0.0.1", 200),
            ("https://evil.example", 403),
            ("http://localhost.evil.example", 403),
            ("null", 403),
        ] {
            let seen = send(&server, raw_post(PING, &[("origin", origin)])).await;
            assert_eq!(seen.status, status, "{origin}");
            if status == 200 {
                assert_eq!(seen.header("access-control-allow-origin"), Some(origin));
                assert_eq!(seen.header("vary"), Some("Origin"));
                assert!(seen
                    .header("access-control-expose-headers")
                    .unwrap()
                    .contains("mcp-protocol-version"));
            } else {
                assert_eq!(seen.header("access-control-allow-origin"), None);
                assert!(seen.response()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(origin));
            }
        }
        let preflight = send(
            &server,
            HttpRequest::new("OPTIONS", "/mcp").header("origin", "https://evil.example"),
        )
        .await;
        assert_eq!(preflight.status, 403);
        // Without Origin (not a browser) nothing is checked or echoed.
        let seen = send(&server, raw_post(PING, &[])).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.header("access-control-allow-origin"), None);
        let open = fixture_builder()
            .http(HttpConfig::default().allow_any_origin())
            .build(Runtime::for_tests(0))
            .unwrap();
        assert_eq!(
            send(
                &open,
                raw_post(PING, &[("origin", "https://anything.example")])
            )
            .await
            .status,
            200
        );
    }

    pub(crate) async fn content_type_accept_and_body_limits() {
        let server = fixture_builder()
            .http(HttpConfig::default().max_body_bytes(64))
            .build(Runtime::for_tests(0))
            .unwrap();
        let cases: Vec<(HttpRequest, u16)> = vec![
            (raw_post(PING, &[("content-type", "text/plain")]), 415),
            (
                raw_post(PING, &[("content-type", "application/json; charset=utf-8")]),
                200,
            ),
            (HttpRequest::new("POST", "/mcp").body(PING), 415),
            (raw_post(PING, &[("accept", "text/html")]), 406),
            (raw_post(PING, &[("accept", "application/json")]), 200),
            (raw_post(PING, &[("accept", "*/*")]), 200),
            (
                raw_post(&format!("{{\"pad\":\"{}\"}}", "x".repeat(100)), &[]),
                413,
            ),
            (raw_post(PING, &[("content-length", "1000000")]), 413),
        ];
        for (i, (req, status)) in cases.into_iter().enumerate() {
            let seen = send(&server, req).await;
            assert_eq!(seen.status, status, "case {i}");
            if status != 200 {
                assert_eq!(seen.response()["error"]["code"], -32600, "case {i}");
            }
        }
        let seen = send(&server, raw_post(&"x".repeat(65), &[])).await;
        assert!(seen.response()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 64"));
        // The default limit is 1 MiB.
        let seen = send(&fixture(), raw_post(&" ".repeat(1024 * 1024 + 1), &[])).await;
        assert_eq!(seen.status, 413);
    }

    pub(crate) async fn jsonrpc_framing_errors() {
        let server = fixture();
        let cases = [
            ("{", 400, -32700, Value::Null),
            ("", 400, -32700, Value::Null),
            ("[1", 400, -32700, Value::Null),
            ("null", 400, -32600, Value::Null),
            (r#"{"jsonrpc":"2.0","id":"a"}"#, 400, -32600, json!("a")),
            (
                r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#,
                400,
                -32600,
                json!(3),
            ),
            (
                r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
                400,
                -32600,
                Value::Null,
            ),
            (
                r#"{"jsonrpc":"2.0","id":4,"method":"ping","params":[]}"#,
                400,
                -32602,
                json!(4),
            ),
            (
                r#"{"jsonrpc":"2.0","id":5,"method":"no/such"}"#,
                200,
                -32601,
                json!(5),
            ),
            (
                r#"{"jsonrpc":"2.0","id":"x-1","method":"ping"}"#,
                200,
                0,
                json!("x-1"),
            ),
        ];
        for (body, status, code, id) in cases {
            let seen = send(&server, raw_post(body, &[])).await;
            assert_eq!(seen.status, status, "{body}");
            let response = seen.response();
            assert_eq!(response["jsonrpc"], "2.0");
            assert_eq!(response["id"], id, "{body}");
            if code != 0 {
                assert_eq!(response["error"]["code"], code, "{body}");
                Client::new(server.clone(), ProtocolVersion::V2025_03_26).check("ping", &seen);
            } else {
                assert_eq!(response["result"], json!({}));
            }
        }
    }

    pub(crate) async fn notifications_and_client_responses_get_202() {
        let server = fixture();
        for body in [
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/unknown"}"#,
            r#"{"jsonrpc":"2.0","id":9,"result":{}}"#,
        ] {
            let seen = send(&server, raw_post(body, &[])).await;
            assert_eq!(seen.status, 202, "{body}");
            assert!(seen.messages.is_empty(), "{body}");
        }
    }

    pub(crate) async fn batches_only_in_2025_03_26() {
        let server = fixture();
        let batch = r#"[
            {"jsonrpc":"2.0","id":1,"method":"ping"},
            {"jsonrpc":"2.0","method":"notifications/initialized"},
            {"jsonrpc":"2.0","id":"two","method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}},
            {"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-03-26"}},
            7
        ]"#;
        for header in [None, Some("2025-03-26")] {
            let headers: Vec<(&str, &str)> = header
                .iter()
                .map(|h| ("mcp-protocol-version", *h))
                .collect();
            let seen = send(&server, raw_post(batch, &headers)).await;
            assert_eq!(seen.status, 200);
            let responses = seen.response().as_array().unwrap().clone();
            assert_eq!(responses.len(), 4, "the notification gets no response");
            assert_eq!(responses[0]["result"], json!({}));
            assert_eq!(responses[1]["id"], "two");
            assert_eq!(responses[1]["result"]["content"][0]["text"], r#"{"sum":3}"#);
            assert_eq!(
                responses[2]["error"]["code"], -32600,
                "initialize may not be batched"
            );
            assert_eq!(responses[3]["error"]["code"], -32600);
            #[cfg(not(target_arch = "wasm32"))]
            for r in &responses {
                schema::check_message(ProtocolVersion::V2025_03_26, "ping", r);
            }
        }
        let only_notes = r#"[{"jsonrpc":"2.0","method":"notifications/initialized"}]"#;
        assert_eq!(send(&server, raw_post(only_notes, &[])).await.status, 202);
        assert_eq!(send(&server, raw_post("[]", &[])).await.status, 400);
        for v in ["2025-06-18", "2025-11-25", "2026-07-28"] {
            let seen = send(&server, raw_post(batch, &[("mcp-protocol-version", v)])).await;
            assert_eq!(seen.status, 400, "{v}");
            assert_eq!(seen.error_code(), -32600);
            assert!(seen.response()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("does not allow batches"));
        }
    }

    pub(crate) async fn protocol_version_header_rules() {
        let server = fixture();
        let seen = send(
            &server,
            raw_post(PING, &[("mcp-protocol-version", "1999-01-01")]),
        )
        .await;
        assert_eq!(seen.status, 400);
        assert_eq!(seen.error_code(), -32022);
        assert_eq!(seen.response()["error"]["data"]["requested"], "1999-01-01");
        assert_eq!(
            seen.response()["error"]["data"]["supported"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        // The header picks the shape of results: title and outputSchema exist from 2025-06-18.
        let list = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        let old = send(&server, raw_post(list, &[])).await;
        assert!(old.result()["tools"][0].get("outputSchema").is_none());
        let new = send(
            &server,
            raw_post(list, &[("mcp-protocol-version", "2025-06-18")]),
        )
        .await;
        assert!(new.result()["tools"][0].get("outputSchema").is_some());
        // 2026-07-28 in the header demands the per-request `_meta`.
        let seen = send(
            &server,
            raw_post(
                list,
                &[
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/list"),
                ],
            ),
        )
        .await;
        assert_eq!(seen.status, 400);
        assert_eq!(seen.error_code(), -32602);
    }

    fn stateless(method: &str, params: Value) -> String {
        let mut params = params;
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        });
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string()
    }

    /// A version mismatch is reported before an unknown version; errors echo the id;
    /// `initialize` does not exist on the stateless revision.
    pub(crate) async fn stateless_error_precedence() {
        let server = fixture();
        let v = ProtocolVersion::V2026_07_28;
        let discover = |meta_version: &str| {
            json!({"jsonrpc": "2.0", "id": 301, "method": "server/discover", "params": {"_meta": {
                "io.modelcontextprotocol/protocolVersion": meta_version,
                "io.modelcontextprotocol/clientCapabilities": {}}}})
            .to_string()
        };
        let headers = |version: &'static str| {
            [
                ("mcp-protocol-version", version),
                ("mcp-method", "server/discover"),
            ]
        };
        let mismatch = send(
            &server,
            raw_post(&discover("v999.0.0"), &headers("2026-07-28")),
        )
        .await;
        assert_eq!((mismatch.status, mismatch.error_code()), (400, -32020));
        assert_eq!(mismatch.response()["id"], 301);
        Client::new(server.clone(), v).check("server/discover", &mismatch);

        let unknown = send(
            &server,
            raw_post(&discover("v999.0.0"), &headers("v999.0.0")),
        )
        .await;
        assert_eq!((unknown.status, unknown.error_code()), (400, -32022));
        assert_eq!(
            unknown.response()["id"],
            301,
            "the error names the request it answers"
        );
        assert_eq!(unknown.response()["error"]["data"]["requested"], "v999.0.0");
        Client::new(server.clone(), v).check("server/discover", &unknown);

        let init = Client::new(server.clone(), v)
            .call(
                "initialize",
                json!({"protocolVersion": "2026-07-28", "capabilities": {},
                       "clientInfo": {"name": "t", "version": "0"}}),
            )
            .await;
        assert_eq!((init.status, init.error_code()), (404, -32601));
    }

    /// A tool that needs a client capability is refused (-32021, HTTP 400) on the
    /// stateless revision when the request does not declare it, and runs when it does.
    pub(crate) async fn required_client_capabilities() {
        let server = fixture_builder()
            .tool(
                edgemcp::Tool::untyped(
                    "ask",
                    "Asks the user",
                    json!({"type": "object"}),
                    |_, _| async { Ok(edgemcp::ToolResult::text("asked")) },
                )
                .requires_client_capability("elicitation"),
            )
            .build(Runtime::for_tests(0))
            .unwrap();
        let v = ProtocolVersion::V2026_07_28;
        let refused = Client::new(server.clone(), v)
            .call("tools/call", json!({"name": "ask", "arguments": {}}))
            .await;
        assert_eq!((refused.status, refused.error_code()), (400, -32021));
        assert_eq!(
            refused.response()["error"]["data"]["requiredCapabilities"],
            json!({"elicitation": {}})
        );
        let mut body: Value = serde_json::from_str(&stateless(
            "tools/call",
            json!({"name": "ask", "arguments": {}}),
        ))
        .unwrap();
        body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] =
            json!({"elicitation": {}});
        let headers = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "ask"),
        ];
        let accepted = send(&server, raw_post(&body.to_string(), &headers)).await;
        assert_eq!(accepted.status, 200);
        assert_eq!(accepted.result()["content"][0]["text"], "asked");
        // The 2025 revisions negotiate capabilities per session, which is not kept.
        let older = Client::new(server, ProtocolVersion::V2025_11_25)
            .call("tools/call", json!({"name": "ask", "arguments": {}}))
            .await;
        assert_eq!(older.result()["content"][0]["text"], "asked");
    }

    /// A tool asks for input with `input_required`, keeps sealed state, and finishes on
    /// the retry that answers; an altered state is refused before the tool runs.
    pub(crate) async fn multi_round_tool_calls() {
        use edgemcp::tool::InputRequired;
        let ask = edgemcp::Tool::untyped(
            "greet",
            "Greets by name",
            json!({"type": "object"}),
            |_, cx| async move {
                let name = cx
                    .input_response("user_name")
                    .and_then(|a| a["content"]["name"].as_str().map(str::to_owned));
                Ok(match (name, cx.request_state()) {
                (Some(name), Some(state)) if state["round"] == 1 => {
                    edgemcp::ToolResult::text(format!("Hello, {name}!"))
                }
                _ => edgemcp::ToolResult::input_required(
                    InputRequired::new()
                        .elicit("user_name", "What is your name?", json!({"type": "object", "properties": {"name": {"type": "string"}}}))
                        .state(json!({"round": 1})),
                ),
            })
            },
        );
        let server = fixture_builder()
            .tool(ask)
            .state_secret(vec![7; 32])
            .build(Runtime::for_tests(0))
            .unwrap();
        let v = ProtocolVersion::V2026_07_28;
        let client = Client::new(server.clone(), v);
        let first = client
            .call("tools/call", json!({"name": "greet", "arguments": {}}))
            .await;
        assert_eq!(first.result()["resultType"], "input_required");
        assert_eq!(
            first.result()["inputRequests"]["user_name"]["method"],
            "elicitation/create"
        );
        let state = first.result()["requestState"].as_str().unwrap().to_owned();
        // Signed, not encrypted: the client can read the payload, as documented.
        let payload = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            state.split_once('.').unwrap().0,
        )
        .unwrap();
        let payload: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(payload["s"], json!({"round": 1}));
        assert_eq!(payload["c"], "anonymous");
        assert_eq!(payload["m"], "tools/call");

        let answer = json!({"user_name": {"action": "accept", "content": {"name": "Ada"}}});
        let done = client
            .call("tools/call", json!({"name": "greet", "arguments": {}, "inputResponses": answer, "requestState": state}))
            .await;
        assert_eq!(done.result()["resultType"], "complete");
        assert_eq!(done.result()["content"][0]["text"], "Hello, Ada!");

        let tampered = client
            .call("tools/call", json!({"name": "greet", "arguments": {}, "inputResponses": answer, "requestState": format!("{state}x")}))
            .await;
        assert_eq!(tampered.error_code(), -32602);
        // A state sealed by another server (another secret) is refused too.
        let other = fixture_builder()
            .tool(edgemcp::Tool::untyped(
                "greet",
                "Greets",
                json!({"type": "object"}),
                |_, _| async { Ok(edgemcp::ToolResult::text("hi")) },
            ))
            .state_secret(vec![8; 32])
            .build(Runtime::for_tests(0))
            .unwrap();
        let foreign = Client::new(other, v)
            .call(
                "tools/call",
                json!({"name": "greet", "arguments": {}, "requestState": state}),
            )
            .await;
        assert_eq!(foreign.error_code(), -32602);

        // Prompts ask the same way.
        let brief = edgemcp::Prompt::asking("brief", "Asks for a topic", |_, cx| async move {
            use edgemcp::prompt::PromptReply;
            Ok(
                match cx
                    .input_response("topic")
                    .and_then(|a| a["content"]["topic"].as_str())
                {
                    Some(topic) => PromptReply::Messages(vec![edgemcp::PromptMessage::user(
                        format!("Brief on {topic}"),
                    )]),
                    None => PromptReply::InputRequired(InputRequired::new().elicit(
                        "topic",
                        "Which topic?",
                        json!({"type": "object", "properties": {"topic": {"type": "string"}}}),
                    )),
                },
            )
        });
        let with_prompt = fixture_builder()
            .prompt(brief)
            .build(Runtime::for_tests(0))
            .unwrap();
        let prompts = Client::new(with_prompt.clone(), v);
        let asked = prompts.call("prompts/get", json!({"name": "brief"})).await;
        assert_eq!(
            asked.result()["inputRequests"]["topic"]["method"],
            "elicitation/create"
        );
        let answered = prompts
            .call("prompts/get", json!({"name": "brief", "inputResponses": {"topic": {"action": "accept", "content": {"topic": "tides"}}}}))
            .await;
        assert_eq!(
            answered.result()["messages"][0]["content"]["text"],
            "Brief on tides"
        );
        let old_prompt = Client::new(with_prompt, ProtocolVersion::V2025_11_25)
            .call("prompts/get", json!({"name": "brief"}))
            .await;
        assert_eq!(old_prompt.error_code(), -32602);

        // Earlier revisions cannot carry the request for input: an error result says so.
        let older = Client::new(server, ProtocolVersion::V2025_11_25)
            .call("tools/call", json!({"name": "greet", "arguments": {}}))
            .await;
        assert_eq!(older.result()["isError"], true);
        assert!(older.result()["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("2026-07-28"));
    }

    pub(crate) async fn stateless_header_rules() {
        let server = fixture();
        let v = ProtocolVersion::V2026_07_28;
        let check = |seen: &Seen| Client::new(server.clone(), v).check("tools/call", seen);
        let call = stateless(
            "tools/call",
            json!({"name": "echo", "arguments": {"text": "hi"}}),
        );
        let ok = [
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "echo"),
        ];
        let seen = send(&server, raw_post(&call, &ok)).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.result()["content"][0]["text"], "hi");
        check(&seen);
        // Whitespace around a header value is not part of it.
        let padded = [
            ("mcp-protocol-version", " 2026-07-28"),
            ("mcp-method", "tools/call\t"),
            ("mcp-name", "  echo  "),
        ];
        assert_eq!(send(&server, raw_post(&call, &padded)).await.status, 200);

        // Headers sent, the error code expected, and a phrase its message must contain.
        type Case<'a> = (Vec<(&'a str, &'a str)>, i64, &'a str);
        let cases: Vec<Case> = vec![
            (
                vec![
                    ("mcp-protocol-version", "2025-11-25"),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", "echo"),
                ],
                -32020,
                "MCP-Protocol-Version header says 2025-11-25",
            ),
            (
                vec![("mcp-protocol-version", "2026-07-28"), ("mcp-name", "echo")],
                -32020,
                "Mcp-Method header is missing",
            ),
            (
                vec![
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/list"),
                    ("mcp-name", "echo"),
                ],
                -32020,
                "Mcp-Method header says",
            ),
            (
                vec![
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/call"),
                ],
                -32020,
                "Mcp-Name header is missing",
            ),
            (
                vec![
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", "add"),
                ],
                -32020,
                "Mcp-Name header says \"add\"",
            ),
            (
                vec![
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "tools/call"),
                    ("mcp-name", "=?base64?***?="),
                ],
                -32020,
                "not valid",
            ),
        ];
        for (headers, code, expected) in cases {
            let seen = send(&server, raw_post(&call, &headers)).await;
            assert_eq!(seen.status, 400, "{headers:?}");
            assert_eq!(seen.error_code(), code, "{headers:?}");
            let message = seen.response()["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(expected),
                "{message:?} should contain {expected:?}"
            );
            check(&seen);
        }
        // Non-ASCII names travel base64-encoded.
        let odd = fixture_builder()
            .tool(edgemcp::Tool::untyped(
                "café",
                "x",
                json!({"type": "object"}),
                |_, _| async { Ok(edgemcp::ToolResult::text("ok")) },
            ))
            .build(Runtime::for_tests(0));
        assert!(
            odd.is_err(),
            "tool names are limited to ASCII letters, digits, _ - ."
        );
        let read = stateless("resources/read", json!({"uri": "products://product-é"}));
        let seen = send(
            &server,
            raw_post(
                &read,
                &[
                    ("mcp-protocol-version", "2026-07-28"),
                    ("mcp-method", "resources/read"),
                    ("mcp-name", "=?base64?cHJvZHVjdHM6Ly9wcm9kdWN0LcOp?="),
                ],
            ),
        )
        .await;
        assert_eq!(seen.status, 200, "{:?}", seen.response());
        // Unsupported or malformed `_meta` versions, and missing client capabilities.
        let mut bad = serde_json::from_str::<Value>(&stateless("tools/list", json!({}))).unwrap();
        bad["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2030-01-01");
        let seen = send(
            &server,
            raw_post(&bad.to_string(), &[("mcp-method", "tools/list")]),
        )
        .await;
        assert_eq!((seen.status, seen.error_code()), (400, -32022));
        check(&seen);
        bad["params"]["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28"});
        let seen = send(
            &server,
            raw_post(&bad.to_string(), &[("mcp-method", "tools/list")]),
        )
        .await;
        assert_eq!((seen.status, seen.error_code()), (400, -32602));
        assert!(seen.response()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("clientCapabilities"));
        bad["params"]["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": 2026, "io.modelcontextprotocol/clientCapabilities": {}});
        let seen = send(
            &server,
            raw_post(&bad.to_string(), &[("mcp-method", "tools/list")]),
        )
        .await;
        assert_eq!((seen.status, seen.error_code()), (400, -32602));
        // A log level that is not one.
        let mut loud = serde_json::from_str::<Value>(&call).unwrap();
        loud["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = json!("loud");
        let seen = send(&server, raw_post(&loud.to_string(), &ok)).await;
        assert_eq!(seen.error_code(), -32602);
    }

    pub(crate) async fn progress_and_logs_stream_over_sse() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let params = json!({
                "name": "count",
                "arguments": {"steps": 3},
                "_meta": {"progressToken": "tok-1", "io.modelcontextprotocol/logLevel": "info"}
            });
            let seen = client.call("tools/call", params).await;
            assert_eq!(seen.status, 200);
            assert_eq!(
                seen.content_type.as_deref(),
                Some("text/event-stream"),
                "{v}"
            );
            assert_eq!(seen.header("cache-control"), Some("no-cache"));
            let methods: Vec<&str> = seen
                .messages
                .iter()
                .map(|m| m["method"].as_str().unwrap_or("response"))
                .collect();
            assert_eq!(
                methods,
                [
                    "notifications/progress",
                    "notifications/message",
                    "notifications/progress",
                    "notifications/message",
                    "notifications/progress",
                    "notifications/message",
                    "response"
                ],
                "{v}: debug logs stay below the requested level, and the response comes last"
            );
            let first = &seen.messages[0]["params"];
            assert_eq!(first["progressToken"], "tok-1");
            assert_eq!(first["progress"], 1.0);
            assert_eq!(first["total"], 3.0);
            assert_eq!(first["message"], "step 1");
            assert_eq!(
                seen.messages[1]["params"],
                json!({"level": "info", "logger": "count", "data": {"step": 1}})
            );
            assert_eq!(
                seen.response()["result"]["content"][0]["text"],
                r#"{"done":3}"#
            );
        }
        // Progress alone, with an integer token.
        let client = Client::new(fixture(), ProtocolVersion::V2025_06_18);
        let seen = client
            .call(
                "tools/call",
                json!({"name": "count", "arguments": {"steps": 2}, "_meta": {"progressToken": 77}}),
            )
            .await;
        assert_eq!(seen.messages.len(), 3);
        assert_eq!(seen.messages[1]["params"]["progressToken"], 77);
    }

    pub(crate) async fn no_stream_without_event_stream_accept() {
        let server = fixture();
        let body = json!({
            "jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "count", "arguments": {"steps": 2}, "_meta": {"progressToken": "t"}}
        })
        .to_string();
        let seen = send(&server, raw_post(&body, &[("accept", "application/json")])).await;
        assert_eq!(seen.content_type.as_deref(), Some("application/json"));
        assert_eq!(seen.messages.len(), 1);
        assert_eq!(
            seen.response()["result"]["content"][0]["text"],
            r#"{"done":2}"#
        );
        // A client that accepts only SSE gets SSE even without progress.
        let seen = send(&server, raw_post(PING, &[("accept", "text/event-stream")])).await;
        assert_eq!(seen.content_type.as_deref(), Some("text/event-stream"));
        assert_eq!(seen.response()["result"], json!({}));
    }
}
