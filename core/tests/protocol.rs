//! Every method on every revision, including the error paths. Natively, every message is
//! also checked against the official JSON Schema of the revision it speaks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    initialize_negotiates_session_revisions,
    discover_describes_the_stateless_server,
    ping_exists_only_before_2026,
    tools_list_pages_through_every_tool,
    tools_list_shape_follows_the_revision,
    typed_tool_returns_structured_content_with_text_fallback,
    invalid_arguments_are_tool_errors_that_name_the_field,
    unknown_tools_and_malformed_calls_are_protocol_errors,
    handler_failures_become_error_results,
    slow_tools_are_stopped_at_the_time_limit,
    content_blocks_follow_the_revision,
    resources_list_read_and_not_found,
    resource_templates_match_and_complete,
    prompts_render_with_arguments_and_embedded_resources,
    prompt_argument_errors,
    completion_for_prompt_arguments,
    logging_set_level_before_2026_only,
    capabilities_follow_registrations,
);

mod scenarios {
    use super::common::*;
    use edgemcp::protocol::ProtocolVersion;
    use edgemcp::runtime::Runtime;
    use edgemcp::{Server, Tool, ToolResult};
    use serde_json::{json, Value};

    fn legacy() -> impl Iterator<Item = ProtocolVersion> {
        REVISIONS.into_iter().filter(|v| !v.is_stateless())
    }

    pub(crate) async fn initialize_negotiates_session_revisions() {
        for (requested, expected) in [
            ("2025-03-26", "2025-03-26"),
            ("2025-06-18", "2025-06-18"),
            ("2025-11-25", "2025-11-25"),
            ("2024-11-05", "2025-11-25"),
            ("2026-07-28", "2025-11-25"),
            ("not-a-version", "2025-11-25"),
        ] {
            let client = Client::new(fixture(), expected.parse().unwrap());
            let seen = client
                .call(
                    "initialize",
                    json!({"protocolVersion": requested, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
                )
                .await;
            assert_eq!(seen.status, 200);
            let result = seen.result();
            assert_eq!(result["protocolVersion"], expected, "requested {requested}");
            assert_eq!(result["serverInfo"]["name"], "fixture");
            assert_eq!(result["serverInfo"]["version"], "1.2.3");
            assert_eq!(
                result["instructions"],
                "A server that registers one of everything, for tests."
            );
            assert!(result["capabilities"]["tools"].is_object());
            // `title` on serverInfo exists from 2025-06-18 on.
            assert_eq!(
                result["serverInfo"].get("title").is_some(),
                expected != "2025-03-26",
                "{expected}"
            );
        }
        let client = Client::new(fixture(), ProtocolVersion::V2025_11_25);
        let seen = client.call("initialize", json!({"capabilities": {}})).await;
        assert_eq!(seen.error_code(), -32602);
        let message = seen.response()["error"]["message"].as_str().unwrap();
        assert!(message.contains("protocolVersion"), "{message}");
    }

    pub(crate) async fn discover_describes_the_stateless_server() {
        let client = Client::new(fixture(), ProtocolVersion::V2026_07_28);
        let seen = client.call("server/discover", json!({})).await;
        let result = seen.result();
        assert_eq!(result["resultType"], "complete");
        assert_eq!(
            result["supportedVersions"],
            json!(["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"])
        );
        assert!(result["capabilities"]["prompts"].is_object());
        assert_eq!(result["cacheScope"], "public");
        assert!(result["ttlMs"].as_u64().is_some());
        assert_eq!(
            result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
            "fixture"
        );
        // Not a method of the session revisions.
        for v in legacy() {
            let seen = Client::new(fixture(), v)
                .call("server/discover", json!({}))
                .await;
            assert_eq!(seen.error_code(), -32601, "{v}");
        }
    }

    pub(crate) async fn ping_exists_only_before_2026() {
        for v in legacy() {
            let seen = Client::new(fixture(), v).call("ping", json!({})).await;
            assert_eq!(seen.result(), &json!({}), "{v}");
        }
        let seen = Client::new(fixture(), ProtocolVersion::V2026_07_28)
            .call("ping", json!({}))
            .await;
        assert_eq!(seen.error_code(), -32601);
        assert_eq!(
            seen.status, 404,
            "2026-07-28 answers unknown methods with 404"
        );
    }

    pub(crate) async fn tools_list_pages_through_every_tool() {
        let server = fixture_builder()
            .page_size(2)
            .build(Runtime::for_tests(0))
            .unwrap();
        for v in REVISIONS {
            let client = Client::new(server.clone(), v);
            let mut names = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let params = match &cursor {
                    Some(c) => json!({"cursor": c}),
                    None => json!({}),
                };
                let seen = client.call("tools/list", params).await;
                let result = seen.result();
                pages += 1;
                for tool in result["tools"].as_array().unwrap() {
                    names.push(tool["name"].as_str().unwrap().to_owned());
                }
                match result.get("nextCursor") {
                    Some(Value::String(c)) => cursor = Some(c.clone()),
                    _ => break,
                }
            }
            assert_eq!(
                names,
                ["add", "echo", "fail", "count", "media", "hang"],
                "{v}"
            );
            assert_eq!(pages, 3, "{v}");
            // A cursor this server did not issue, or one from another list.
            for bad in [json!("garbage"), json!(7)] {
                let seen = client.call("tools/list", json!({"cursor": bad})).await;
                assert_eq!(seen.error_code(), -32602, "{v} {bad}");
            }
            let prompts_cursor = {
                let many = fixture_builder()
                    .prompt(edgemcp::Prompt::new("second", "Another.", |_, _| async {
                        Ok(vec![])
                    }))
                    .page_size(1)
                    .build(Runtime::for_tests(0))
                    .unwrap();
                let seen = Client::new(many, v).call("prompts/list", json!({})).await;
                seen.result()["nextCursor"].as_str().unwrap().to_owned()
            };
            let seen = client
                .call("tools/list", json!({"cursor": prompts_cursor}))
                .await;
            assert_eq!(
                seen.error_code(),
                -32602,
                "{v}: a prompts cursor must not page tools"
            );
        }
    }

    pub(crate) async fn tools_list_shape_follows_the_revision() {
        for v in REVISIONS {
            let seen = Client::new(fixture(), v)
                .call("tools/list", json!({}))
                .await;
            let tools = seen.result()["tools"].as_array().unwrap().clone();
            let add = &tools[0];
            assert_eq!(add["name"], "add");
            assert_eq!(add["inputSchema"]["type"], "object");
            assert_eq!(add["inputSchema"]["required"], json!(["a", "b"]));
            assert_eq!(add["annotations"]["readOnlyHint"], true);
            let modern = v >= ProtocolVersion::V2025_06_18;
            assert_eq!(add.get("outputSchema").is_some(), modern, "{v}");
            assert_eq!(add.get("title").is_some(), modern, "{v}");
            if modern {
                assert_eq!(add["outputSchema"]["properties"]["sum"]["type"], "integer");
            }
            if v.is_stateless() {
                assert_eq!(seen.result()["resultType"], "complete");
                assert_eq!(seen.result()["cacheScope"], "public");
            }
        }
    }

    pub(crate) async fn typed_tool_returns_structured_content_with_text_fallback() {
        for v in REVISIONS {
            let seen = Client::new(fixture(), v)
                .call(
                    "tools/call",
                    json!({"name": "add", "arguments": {"a": 2, "b": 40}}),
                )
                .await;
            let result = seen.result();
            assert_eq!(result.get("isError"), None, "{v}");
            let text: Value =
                serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
            assert_eq!(text, json!({"sum": 42}), "{v}: text fallback");
            if v >= ProtocolVersion::V2025_06_18 {
                assert_eq!(result["structuredContent"], json!({"sum": 42}), "{v}");
            } else {
                assert!(result.get("structuredContent").is_none(), "{v}");
            }
        }
    }

    pub(crate) async fn invalid_arguments_are_tool_errors_that_name_the_field() {
        let cases = [
            (
                "add",
                json!({"a": "two", "b": 1}),
                "argument `a`: expected integer, received string \"two\"",
            ),
            (
                "add",
                json!({"a": 1}),
                "argument `b`: required, but missing",
            ),
            (
                "add",
                json!({"a": 1.5, "b": 1}),
                "argument `a`: expected integer, received number 1.5",
            ),
            (
                "echo",
                json!({"text": ["x"]}),
                "argument `text`: expected string, received an array",
            ),
            ("echo", json!({}), "argument `text`: required, but missing"),
        ];
        for v in REVISIONS {
            for (tool, args, expected) in &cases {
                let seen = Client::new(fixture(), v)
                    .call("tools/call", json!({"name": tool, "arguments": args}))
                    .await;
                let result = seen.result();
                assert_eq!(result["isError"], true, "{v} {tool} {args}");
                let text = result["content"][0]["text"].as_str().unwrap();
                assert!(
                    text.contains(expected),
                    "{v}: {text:?} should contain {expected:?}"
                );
                assert!(text.contains(&format!("tool `{tool}`")), "{text}");
            }
        }
    }

    pub(crate) async fn unknown_tools_and_malformed_calls_are_protocol_errors() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let seen = client
                .call("tools/call", json!({"name": "nope", "arguments": {}}))
                .await;
            assert_eq!(seen.error_code(), -32602, "{v}");
            let message = seen.response()["error"]["message"].as_str().unwrap();
            assert!(message.contains("Unknown tool: nope"), "{message}");
            let seen = client
                .call("tools/call", json!({"name": "echo", "arguments": "text"}))
                .await;
            assert_eq!(seen.error_code(), -32602, "{v}");
            let seen = client.call("tools/call", json!({"name": 5})).await;
            assert_eq!(seen.error_code(), -32602, "{v}");
        }
    }

    pub(crate) async fn handler_failures_become_error_results() {
        for v in REVISIONS {
            let seen = Client::new(fixture(), v)
                .call("tools/call", json!({"name": "fail"}))
                .await;
            let result = seen.result();
            assert_eq!(result["isError"], true);
            // A storage failure is internal: the client sees only a correlation id.
            let text = result["content"][0]["text"].as_str().unwrap();
            assert!(text.contains("correlation id"), "{text}");
            assert!(!text.contains("disk is on fire"), "{text}");
        }
    }

    pub(crate) async fn slow_tools_are_stopped_at_the_time_limit() {
        for v in REVISIONS {
            let seen = Client::new(fixture_with_instant_timeouts(), v)
                .call("tools/call", json!({"name": "hang"}))
                .await;
            let result = seen.result();
            assert_eq!(result["isError"], true, "{v}");
            let text = result["content"][0]["text"].as_str().unwrap();
            assert!(text.contains("did not finish within 30000 ms"), "{text}");
        }
        // A per-tool limit overrides the server's.
        let server = Server::builder("t", "1")
            .tool(
                Tool::untyped("hang", "Never ends.", json!({"type": "object"}), |_, _| {
                    futures_util::future::pending::<edgemcp::Result<ToolResult>>()
                })
                .timeout(std::time::Duration::from_millis(250)),
            )
            .build(Runtime::new(
                edgemcp::runtime::testing::ManualClock::new(0),
                edgemcp::runtime::testing::ImmediateTimer,
                edgemcp::runtime::testing::CountingRng::default(),
            ))
            .unwrap();
        let seen = Client::new(server, ProtocolVersion::V2025_11_25)
            .call("tools/call", json!({"name": "hang"}))
            .await;
        assert!(seen.result()["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("within 250 ms"));
    }

    pub(crate) async fn content_blocks_follow_the_revision() {
        for v in REVISIONS {
            let seen = Client::new(fixture(), v)
                .call("tools/call", json!({"name": "media"}))
                .await;
            let content = seen.result()["content"].as_array().unwrap().clone();
            assert_eq!(content[0]["type"], "image");
            assert_eq!(content[0]["mimeType"], "image/png");
            assert_eq!(content[0]["data"], "iVBORw==");
            assert_eq!(content[1]["type"], "audio");
            assert_eq!(content[2]["type"], "resource");
            assert_eq!(content[2]["resource"]["text"], "# Readme");
            if v >= ProtocolVersion::V2025_06_18 {
                assert_eq!(content[3]["type"], "resource_link", "{v}");
                assert_eq!(content[3]["uri"], "docs://readme");
            } else {
                assert_eq!(
                    content[3],
                    json!({"type": "text", "text": "readme: docs://readme"}),
                    "{v}"
                );
            }
        }
    }

    pub(crate) async fn resources_list_read_and_not_found() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let seen = client.call("resources/list", json!({})).await;
            let list = seen.result()["resources"].as_array().unwrap().clone();
            assert_eq!(list.len(), 2);
            assert_eq!(list[0]["uri"], "docs://readme");
            assert_eq!(list[0]["mimeType"], "text/markdown");
            assert_eq!(
                list[0].get("title").is_some(),
                v >= ProtocolVersion::V2025_06_18
            );

            let seen = client
                .call("resources/read", json!({"uri": "docs://readme"}))
                .await;
            assert_eq!(
                seen.result()["contents"],
                json!([{"uri": "docs://readme", "mimeType": "text/markdown", "text": "# Readme"}])
            );
            if v.is_stateless() {
                assert_eq!(seen.result()["cacheScope"], "private");
                assert_eq!(seen.result()["ttlMs"], 0);
            }
            let seen = client
                .call("resources/read", json!({"uri": "docs://logo"}))
                .await;
            assert_eq!(seen.result()["contents"][0]["blob"], "AQID/w==");

            let expected = if v.is_stateless() { -32602 } else { -32002 };
            for uri in ["docs://missing", "products://gadget"] {
                let seen = client.call("resources/read", json!({"uri": uri})).await;
                assert_eq!(seen.error_code(), expected, "{v} {uri}");
                assert_eq!(seen.response()["error"]["data"]["uri"], uri);
            }
            let seen = client.call("resources/read", json!({})).await;
            assert_eq!(seen.error_code(), -32602);
        }
    }

    pub(crate) async fn resource_templates_match_and_complete() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let seen = client.call("resources/templates/list", json!({})).await;
            let templates = seen.result()["resourceTemplates"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(templates[0]["uriTemplate"], "products://{id}");
            assert_eq!(templates[0]["mimeType"], "application/json");
            let seen = client
                .call("resources/read", json!({"uri": "products://product-007"}))
                .await;
            assert_eq!(
                seen.result()["contents"][0]["text"],
                r#"{"id":"product-007"}"#
            );
            let seen = client
                .call(
                    "completion/complete",
                    json!({"ref": {"type": "ref/resource", "uri": "products://{id}"}, "argument": {"name": "id", "value": "product-01"}}),
                )
                .await;
            let completion = &seen.result()["completion"];
            assert_eq!(completion["values"].as_array().unwrap().len(), 10, "{v}");
            assert_eq!(completion["hasMore"], false);
            let seen = client
                .call(
                    "completion/complete",
                    json!({"ref": {"type": "ref/resource", "uri": "nope://{x}"}, "argument": {"name": "x", "value": ""}}),
                )
                .await;
            assert_eq!(seen.error_code(), -32602);
        }
    }

    pub(crate) async fn prompts_render_with_arguments_and_embedded_resources() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let seen = client.call("prompts/list", json!({})).await;
            let prompt = &seen.result()["prompts"][0];
            assert_eq!(prompt["name"], "review");
            assert_eq!(
                prompt["arguments"],
                json!([
                    {"name": "product", "description": "The product id.", "required": true},
                    {"name": "tone", "description": "The tone.", "required": false}
                ])
            );
            let seen = client
                .call("prompts/get", json!({"name": "review", "arguments": {"product": "product-001", "tone": "frank"}}))
                .await;
            let result = seen.result();
            assert_eq!(
                result["description"],
                "Asks for a review of a product page."
            );
            let messages = result["messages"].as_array().unwrap();
            assert_eq!(messages.len(), 3);
            assert_eq!(
                messages[0],
                json!({"role": "user", "content": {"type": "text", "text": "Review product-001 in a frank tone."}})
            );
            assert_eq!(messages[1]["content"]["type"], "resource");
            assert_eq!(
                messages[1]["content"]["resource"]["uri"],
                "products://product-001"
            );
            assert_eq!(messages[2]["role"], "assistant");
            // Optional arguments may be left out.
            let seen = client
                .call(
                    "prompts/get",
                    json!({"name": "review", "arguments": {"product": "p"}}),
                )
                .await;
            assert_eq!(
                seen.result()["messages"][0]["content"]["text"],
                "Review p in a neutral tone."
            );
        }
    }

    pub(crate) async fn prompt_argument_errors() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let cases = [
                (json!({"name": "review"}), "needs the argument `product`"),
                (
                    json!({"name": "review", "arguments": {"tone": "frank"}}),
                    "needs the argument `product`",
                ),
                (
                    json!({"name": "review", "arguments": {"product": 5}}),
                    "`product` must be a string, received number 5",
                ),
                (
                    json!({"name": "review", "arguments": ["x"]}),
                    "`arguments` must be an object",
                ),
                (json!({"name": "nope"}), "Unknown prompt: nope"),
            ];
            for (params, expected) in cases {
                let seen = client.call("prompts/get", params.clone()).await;
                assert_eq!(seen.error_code(), -32602, "{v} {params}");
                let message = seen.response()["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains(expected),
                    "{message:?} should contain {expected:?}"
                );
            }
        }
    }

    pub(crate) async fn completion_for_prompt_arguments() {
        for v in REVISIONS {
            let client = Client::new(fixture(), v);
            let complete = |arg: &str, value: &str| json!({"ref": {"type": "ref/prompt", "name": "review"}, "argument": {"name": arg, "value": value}});
            let seen = client
                .call("completion/complete", complete("tone", "f"))
                .await;
            assert_eq!(
                seen.result()["completion"]["values"],
                json!(["friendly", "formal", "frank"])
            );
            let seen = client
                .call("completion/complete", complete("tone", "FR"))
                .await;
            assert_eq!(
                seen.result()["completion"]["values"],
                json!(["friendly", "frank"])
            );
            // 120 matches: the answer carries 100 and says there are more.
            let seen = client
                .call("completion/complete", complete("product", ""))
                .await;
            let completion = &seen.result()["completion"];
            assert_eq!(completion["values"].as_array().unwrap().len(), 100);
            assert_eq!(completion["total"], 120);
            assert_eq!(completion["hasMore"], true);
            // An argument without a completer completes to nothing.
            let seen = client
                .call("completion/complete", complete("other", "x"))
                .await;
            assert_eq!(seen.result()["completion"]["values"], json!([]));
            let seen = client
                .call("completion/complete", json!({"ref": {"type": "ref/prompt", "name": "nope"}, "argument": {"name": "a", "value": ""}}))
                .await;
            assert_eq!(seen.error_code(), -32602);
            let seen = client
                .call(
                    "completion/complete",
                    json!({"ref": {"type": "ref/other"}, "argument": {"name": "a", "value": ""}}),
                )
                .await;
            assert_eq!(seen.error_code(), -32602);
            let seen = client
                .call(
                    "completion/complete",
                    json!({"ref": {"type": "ref/prompt", "name": "review"}}),
                )
                .await;
            assert_eq!(seen.error_code(), -32602);
        }
    }

    pub(crate) async fn logging_set_level_before_2026_only() {
        for v in legacy() {
            let client = Client::new(fixture(), v);
            let seen = client
                .call("logging/setLevel", json!({"level": "warning"}))
                .await;
            assert_eq!(seen.result(), &json!({}));
            let seen = client
                .call("logging/setLevel", json!({"level": "loud"}))
                .await;
            assert_eq!(seen.error_code(), -32602);
        }
        let seen = Client::new(fixture(), ProtocolVersion::V2026_07_28)
            .call("logging/setLevel", json!({"level": "info"}))
            .await;
        assert_eq!(seen.error_code(), -32601);
    }

    pub(crate) async fn capabilities_follow_registrations() {
        let bare = Server::builder("bare", "0")
            .build(Runtime::for_tests(0))
            .unwrap();
        for v in REVISIONS {
            let client = Client::new(bare.clone(), v);
            let method = if v.is_stateless() {
                "server/discover"
            } else {
                "initialize"
            };
            let seen = client.call(method, json!({"protocolVersion": v.as_str(), "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}})).await;
            let caps = &seen.result()["capabilities"];
            assert_eq!(caps, &json!({"logging": {}}), "{v}");
            for method in [
                "tools/list",
                "prompts/list",
                "resources/list",
                "completion/complete",
            ] {
                let seen = client.call(method, json!({})).await;
                assert_eq!(seen.error_code(), -32601, "{v} {method}");
            }
        }
    }
}

/// The schema check is only worth something if it can fail: messages missing what a
/// revision requires are refused.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_schema_check_refuses_incomplete_messages() {
    use edgemcp::protocol::ProtocolVersion;
    use serde_json::json;
    let bad = [
        (
            ProtocolVersion::V2026_07_28,
            "tools/list",
            json!({"jsonrpc": "2.0", "id": 1, "result": {"tools": []}}),
        ),
        (
            ProtocolVersion::V2025_03_26,
            "tools/call",
            json!({"jsonrpc": "2.0", "id": 1, "result": {"isError": true}}),
        ),
        (
            ProtocolVersion::V2025_06_18,
            "initialize",
            json!({"jsonrpc": "2.0", "id": 1, "result": {"protocolVersion": "2025-06-18"}}),
        ),
        (
            ProtocolVersion::V2025_11_25,
            "ping",
            json!({"jsonrpc": "2.0", "id": {"no": 1}, "result": {}}),
        ),
        (
            ProtocolVersion::V2026_07_28,
            "tools/call",
            json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32022, "message": "x"}}),
        ),
    ];
    for (version, method, message) in bad {
        let outcome =
            std::panic::catch_unwind(|| common::schema::check_message(version, method, &message));
        assert!(outcome.is_err(), "{version} accepted {message}");
    }
}
