//! The middleware chain: the request log's events field by field, request ids and trace
//! context from the transport to the tools, log levels, and layers written by users.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    every_message_gets_one_event_with_its_fields,
    arguments_are_logged_only_when_asked_capped_and_masked,
    log_levels_filter_events,
    users_layers_run_in_order_and_may_answer_themselves,
    tools_see_the_request_id_and_trace,
    bare_messages_are_logged_too,
    metrics_see_every_message_once_even_when_dropped,
    access_control_is_a_layer_whose_refusals_are_logged,
);

mod scenarios {
    use super::common::*;
    use edgemcp::auth::{ApiKeys, Auth};
    use edgemcp::middleware::{from_fn, Exchange, Next};
    use edgemcp::runtime::testing::CapturingLogger;
    use edgemcp::runtime::Runtime;
    use edgemcp::{Caller, Server, Tool, ToolResult};
    use serde_json::{json, Value};
    use std::sync::{Arc, Mutex};

    /// SHA-256 of "secret-key", granted to tenant `acme`.
    const KEY_HASH: &str = "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa";
    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn echo() -> Tool {
        Tool::untyped(
            "echo",
            "Echoes",
            json!({"type": "object"}),
            |args, cx| async move {
                Ok(ToolResult::text(format!(
                    "{} {} {}",
                    args["text"].as_str().unwrap_or_default(),
                    cx.request_id(),
                    cx.trace().trace_id()
                )))
            },
        )
    }

    fn refuse() -> Tool {
        Tool::untyped("refuse", "Fails", json!({"type": "object"}), |_, _| async {
            Err::<ToolResult, _>(edgemcp::Error::invalid_params("no such order"))
        })
    }

    fn builder(logs: &CapturingLogger) -> (edgemcp::ServerBuilder, Runtime) {
        let keys = ApiKeys::from_hashes([format!("{KEY_HASH}:acme")], ["mcp:read"]).unwrap();
        let builder = Server::builder("logged", "1.0.0")
            .tool(echo())
            .tool(refuse())
            .auth(Auth::new("https://mcp.example.com/mcp", keys));
        (builder, Runtime::for_tests(0).with_logger(logs.clone()))
    }

    fn post(body: Value, extra: &[(&str, &str)]) -> edgemcp::http::HttpRequest {
        let mut headers = vec![
            ("authorization", "Bearer secret-key"),
            ("mcp-protocol-version", "2025-11-25"),
        ];
        headers.extend_from_slice(extra);
        raw_post(&body.to_string(), &headers)
    }

    fn call(id: u64, name: &str, arguments: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
    }

    fn messages(logs: &CapturingLogger) -> Vec<Value> {
        logs.events()
            .into_iter()
            .filter(|e| e["message"] == "mcp message")
            .collect()
    }

    pub(crate) async fn every_message_gets_one_event_with_its_fields() {
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder.build(runtime).unwrap();
        let traced = [("traceparent", TRACEPARENT), ("x-request-id", "req-1")];
        let listed = send(
            &server,
            post(
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}),
                &traced,
            ),
        )
        .await;
        assert_eq!(listed.header("x-request-id"), Some("req-1"));
        let ok = send(&server, post(call(2, "echo", json!({"text": "hi"})), &[])).await;
        let generated = ok.header("x-request-id").unwrap().to_owned();
        assert_eq!(generated.len(), 16, "a request id is made when none came");
        send(&server, post(call(3, "refuse", json!({})), &[])).await;
        send(
            &server,
            post(json!({"jsonrpc": "2.0", "id": 4, "method": "no/such"}), &[]),
        )
        .await;
        let note = send(
            &server,
            post(
                json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
                &[],
            ),
        )
        .await;
        assert_eq!(note.status, 202);

        let events = messages(&logs);
        assert_eq!(events.len(), 5, "one event per message: {events:#?}");
        for event in &events {
            for field in ["ts_ms", "request_id", "trace_id", "span_id", "duration_ms"] {
                assert!(!event[field].is_null(), "{field} in {event}");
            }
            assert_eq!(event["protocol_version"], "2025-11-25", "{event}");
            assert_eq!(event["subject"], "api-key:85dbe15d", "{event}");
            assert_eq!(event["tenant"], "acme", "{event}");
            assert!(event["duration_ms"].as_f64().unwrap() >= 0.0);
        }
        let [list, echo, refused, unknown, initialized] = &events[..] else {
            unreachable!()
        };
        assert_eq!(list["method"], "tools/list");
        assert_eq!(list["request_id"], "req-1");
        assert_eq!(list["trace_id"], TRACE_ID, "the caller's trace is kept");
        assert_ne!(
            list["span_id"], "00f067aa0ba902b7",
            "the server's span is its own"
        );
        assert_eq!(list["outcome"], "ok");
        assert_eq!(list["http_status"], 200);
        assert_eq!(list["level"], "info");
        let listed_bytes = serde_json::to_vec(listed.response()).unwrap().len() as u64;
        assert_eq!(list["response_bytes"], listed_bytes);

        assert_eq!(echo["target"], "echo");
        assert_eq!(echo["request_id"], generated);
        assert_eq!(echo["outcome"], "ok");
        assert_eq!(refused["target"], "refuse");
        assert_eq!(refused["outcome"], "tool_error");
        assert_eq!(unknown["outcome"], "error");
        assert_eq!(unknown["code"], -32601);
        assert_eq!(unknown["level"], "warn");
        assert_eq!(initialized["method"], "notifications/initialized");
        assert_eq!(initialized["outcome"], "accepted");

        let text = logs.text();
        assert!(!text.contains("secret-key"), "the key is never logged");
        assert!(!text.contains("arguments"), "arguments are off by default");
    }

    pub(crate) async fn arguments_are_logged_only_when_asked_capped_and_masked() {
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder.log_arguments(true).build(runtime).unwrap();
        send(
            &server,
            post(
                call(
                    1,
                    "echo",
                    json!({"text": "hi", "password": "hunter2", "auth": {"apiKey": "k-123"}}),
                ),
                &[],
            ),
        )
        .await;
        send(
            &server,
            post(call(2, "echo", json!({"text": "x".repeat(5000)})), &[]),
        )
        .await;
        let events = messages(&logs);
        assert_eq!(
            events[0]["arguments"],
            json!({"text": "hi", "password": "<redacted>", "auth": {"apiKey": "<redacted>"}})
        );
        let capped = events[1]["arguments"].as_str().unwrap();
        assert!(
            capped.len() < 1100 && capped.ends_with("(5011 bytes)"),
            "{capped}"
        );
        assert!(!logs.text().contains("hunter2") && !logs.text().contains("k-123"));
    }

    pub(crate) async fn log_levels_filter_events() {
        for (level, expected) in [("warn", 1), ("error", 0), ("off", 0), ("debug", 2)] {
            let logs = CapturingLogger::default();
            let (builder, runtime) = builder(&logs);
            let vars = |name: &str| (name == "EDGEMCP_LOG_LEVEL").then(|| level.to_owned());
            let server = builder
                .settings_from_vars(vars)
                .unwrap()
                .build(runtime)
                .unwrap();
            send(&server, post(call(1, "echo", json!({})), &[])).await;
            send(
                &server,
                post(json!({"jsonrpc": "2.0", "id": 2, "method": "no/such"}), &[]),
            )
            .await;
            assert_eq!(messages(&logs).len(), expected, "{level}");
        }
        let logs = CapturingLogger::default();
        let err = builder(&logs)
            .0
            .settings_from_vars(|name| (name == "EDGEMCP_LOG_LEVEL").then(|| "loud".to_owned()))
            .err()
            .unwrap();
        assert!(err.to_string().contains("EDGEMCP_LOG_LEVEL"), "{err}");
    }

    pub(crate) async fn users_layers_run_in_order_and_may_answer_themselves() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = |name: &'static str, seen: Arc<Mutex<Vec<String>>>| {
            from_fn(move |exchange: Exchange, next: Next| {
                let seen = seen.clone();
                async move {
                    seen.lock()
                        .unwrap()
                        .push(format!("{name} in {}", exchange.method()));
                    let reply = next.run(exchange).await;
                    seen.lock().unwrap().push(format!("{name} out"));
                    reply
                }
            })
        };
        let gate = from_fn(|exchange: Exchange, next: Next| async move {
            if exchange.target() == Some("refuse") {
                return exchange.reply_error(-32001, "refuse is switched off here");
            }
            next.run(exchange).await
        });
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder
            .layer(recorder("outer", seen.clone()))
            .layer(gate)
            .layer(recorder("inner", seen.clone()))
            .build(runtime)
            .unwrap();
        let answered = send(&server, post(call(1, "echo", json!({"text": "a"})), &[])).await;
        assert!(answered.result()["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("a "));
        assert_eq!(
            *seen.lock().unwrap(),
            [
                "outer in tools/call",
                "inner in tools/call",
                "inner out",
                "outer out"
            ]
        );
        seen.lock().unwrap().clear();
        let gated = send(&server, post(call(2, "refuse", json!({})), &[])).await;
        assert_eq!(gated.error_code(), -32001);
        assert_eq!(
            *seen.lock().unwrap(),
            ["outer in tools/call", "outer out"],
            "the gate answered; nothing inside it ran"
        );
        // The request log is outermost: it saw the gate's answer.
        let events = messages(&logs);
        assert_eq!(events[1]["code"], -32001);
    }

    pub(crate) async fn tools_see_the_request_id_and_trace() {
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder.build(runtime).unwrap();
        let seen = send(
            &server,
            post(
                call(1, "echo", json!({"text": "t"})),
                &[("traceparent", TRACEPARENT), ("x-request-id", "abc")],
            ),
        )
        .await;
        assert_eq!(
            seen.result()["content"][0]["text"],
            format!("t abc {TRACE_ID}")
        );
    }

    /// A sink that keeps what it is told.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<String>>>);

    impl edgemcp::runtime::Metrics for Recorded {
        fn message_started(&self) {
            self.0.lock().unwrap().push("started".into());
        }
        fn message_finished(&self, m: &edgemcp::runtime::MessageMeasure<'_>) {
            let tool = m.tool.unwrap_or("-");
            self.0
                .lock()
                .unwrap()
                .push(format!("{} {tool} {}", m.method, m.outcome));
        }
    }

    pub(crate) async fn metrics_see_every_message_once_even_when_dropped() {
        use futures_util::FutureExt;
        let recorded = Recorded::default();
        let hang = Tool::untyped(
            "hang",
            "Never ends",
            json!({"type": "object"}),
            |_, _| async { futures_util::future::pending::<edgemcp::Result<ToolResult>>().await },
        );
        let server = Server::builder("measured", "1.0.0")
            .tool(echo())
            .tool(hang)
            .build(Runtime::for_tests(0).with_metrics(recorded.clone()))
            .unwrap();
        let plain =
            |body: Value| raw_post(&body.to_string(), &[("mcp-protocol-version", "2025-11-25")]);
        send(&server, plain(call(1, "echo", json!({})))).await;
        send(&server, plain(call(2, "not-a-tool", json!({})))).await;
        // A client that goes away: the request is dropped while the tool still runs.
        let mut pending = Box::pin(server.handle_http(plain(call(3, "hang", json!({})))));
        assert!((&mut pending).now_or_never().is_none(), "the tool hangs");
        drop(pending);
        assert_eq!(
            *recorded.0.lock().unwrap(),
            [
                "started",
                "tools/call echo ok",
                "started",
                "tools/call - error",
                "started",
                "tools/call hang cancelled",
            ],
            "one start and one end per message; unknown tool names are no label"
        );
    }

    pub(crate) async fn bare_messages_are_logged_too() {
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder.build(runtime).unwrap();
        let body = call(1, "echo", json!({})).to_string();
        for _ in 0..2 {
            server
                .handle_incoming(
                    edgemcp::jsonrpc::parse(body.as_bytes()),
                    None,
                    Caller::bearer("secret-key"),
                )
                .await;
        }
        let events = messages(&logs);
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["subject"], "api-key:85dbe15d");
        assert_eq!(events[0]["protocol_version"], "2025-03-26");
        assert_ne!(
            events[0]["request_id"], events[1]["request_id"],
            "each message gets its own id"
        );
    }

    pub(crate) async fn access_control_is_a_layer_whose_refusals_are_logged() {
        let reached = Arc::new(Mutex::new(Vec::new()));
        let witness = {
            let reached = reached.clone();
            from_fn(move |exchange: Exchange, next: Next| {
                let reached = reached.clone();
                async move {
                    let who = exchange.identity().map(|who| who.subject.clone());
                    reached.lock().unwrap().push(who);
                    next.run(exchange).await
                }
            })
        };
        let write = Tool::untyped("write", "Writes", json!({"type": "object"}), |_, _| async {
            Ok(ToolResult::text("written"))
        })
        .scopes(["mcp:write"]);
        let logs = CapturingLogger::default();
        let (builder, runtime) = builder(&logs);
        let server = builder.tool(write).layer(witness).build(runtime).unwrap();
        let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
        let version = ("mcp-protocol-version", "2025-11-25");

        // No token, a wrong token, a token in the URL: refused before any other layer.
        let anonymous = send(&server, raw_post(&list, &[version])).await;
        assert_eq!((anonymous.status, anonymous.error_code()), (401, -32600));
        let challenge = anonymous.header("www-authenticate").unwrap();
        assert!(
            challenge.starts_with("Bearer resource_metadata="),
            "{challenge}"
        );
        let wrong = [version, ("authorization", "Bearer wrong-key")];
        let wrong = send(&server, raw_post(&list, &wrong)).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_token"));
        let mut in_url = raw_post(&list, &[version]);
        in_url.path = "/mcp?access_token=secret-key".to_owned();
        assert_eq!(send(&server, in_url).await.status, 400);
        assert!(reached.lock().unwrap().is_empty(), "nothing inside ran");

        // A call the key's scopes do not cover, asking for progress: still a plain 403
        // with the challenge, not a stream.
        let progress = json!({"progressToken": "p"});
        let mut call_write = call(2, "write", json!({}));
        call_write["params"]["_meta"] = progress;
        let denied = send(&server, post(call_write, &[])).await;
        assert_eq!(denied.status, 403);
        assert_eq!(denied.content_type.as_deref(), Some("application/json"));
        let challenge = denied.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("insufficient_scope") && challenge.contains("scope=\"mcp:write\""),
            "{challenge}"
        );
        // Admitted: the layers inside see who it is.
        let echoed = send(&server, post(call(3, "echo", json!({"text": "a"})), &[])).await;
        assert_eq!(echoed.status, 200);
        assert_eq!(
            *reached.lock().unwrap(),
            [
                Some("api-key:85dbe15d".to_owned()),
                Some("api-key:85dbe15d".to_owned())
            ]
        );

        // A batch (2025-03-26) from a refused caller is refused once, as a whole.
        let batch = json!([
            {"jsonrpc": "2.0", "id": 5, "method": "tools/list"},
            {"jsonrpc": "2.0", "id": 6, "method": "ping"}
        ])
        .to_string();
        let old = [("mcp-protocol-version", "2025-03-26")];
        let refused = send(&server, raw_post(&batch, &old)).await;
        assert_eq!(refused.status, 401);
        assert!(refused.header("www-authenticate").is_some());
        assert_eq!(
            refused.response()["id"],
            Value::Null,
            "{:?}",
            refused.messages
        );

        let events = messages(&logs);
        let outcome = |e: &Value| {
            (
                e["http_status"].as_u64(),
                e["outcome"].as_str().map(str::to_owned),
            )
        };
        let error = |status| (Some(status), Some("error".to_owned()));
        let seen: Vec<_> = events.iter().map(outcome).collect();
        assert_eq!(
            seen,
            [
                error(401),
                error(401),
                error(400),
                error(403),
                (Some(200), Some("ok".to_owned())),
                error(401),
                error(401),
            ],
            "every refusal is logged: {events:#?}"
        );
        assert!(
            events[0]["subject"].is_null(),
            "a refused caller has no subject"
        );
        assert_eq!(events[3]["subject"], "api-key:85dbe15d");
        let text = logs.text();
        assert!(
            !text.contains("secret-key") && !text.contains("wrong-key"),
            "{text}"
        );
    }
}
