//! Cancellation on session transports and time limits on every method.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    a_cancelled_request_is_stopped_and_gets_no_answer,
    a_cancellation_read_right_after_its_request_always_finds_it,
    a_finished_request_leaves_the_session_and_its_id_can_be_reused,
    cancellations_of_unknown_ids_change_nothing,
    the_request_log_records_a_cancelled_request,
);

mod scenarios {
    use edgemcp::jsonrpc;
    use edgemcp::runtime::testing::CapturingLogger;
    use edgemcp::runtime::Runtime;
    use edgemcp::{
        Caller, Cancellation, Outcome, RequestContext, Server, Session, Tool, ToolResult,
    };
    use futures_util::FutureExt;
    use serde_json::{json, Value};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    /// A server whose `wait` tool blocks until `gate` fires, then counts a side effect;
    /// `seen` keeps the context of the last call.
    struct Fixture {
        server: Server,
        session: Arc<Session>,
        gate: Cancellation,
        side_effects: Arc<AtomicUsize>,
        seen: Arc<Mutex<Option<RequestContext>>>,
    }

    fn fixture(runtime: Runtime) -> Fixture {
        let gate = Cancellation::new();
        let side_effects = Arc::new(AtomicUsize::new(0));
        let seen: Arc<Mutex<Option<RequestContext>>> = Arc::default();
        let tool = {
            let (gate, side_effects, seen) = (gate.clone(), side_effects.clone(), seen.clone());
            Tool::untyped(
                "wait",
                "Waits for the gate",
                json!({"type": "object"}),
                move |_, cx| {
                    let (gate, side_effects, seen) =
                        (gate.clone(), side_effects.clone(), seen.clone());
                    async move {
                        *seen.lock().unwrap() = Some(cx);
                        gate.cancelled().await;
                        side_effects.fetch_add(1, Ordering::SeqCst);
                        Ok(ToolResult::text("done"))
                    }
                },
            )
        };
        let server = Server::builder("cancel", "1.0.0")
            .tool(tool)
            .build(runtime)
            .unwrap();
        Fixture {
            server,
            session: Arc::new(Session::new()),
            gate,
            side_effects,
            seen,
        }
    }

    fn call(id: u64) -> Vec<u8> {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": "wait", "arguments": {}}})
        .to_string()
        .into_bytes()
    }

    fn cancel(id: Value) -> Vec<u8> {
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
               "params": {"requestId": id, "reason": "the user pressed stop"}})
        .to_string()
        .into_bytes()
    }

    impl Fixture {
        fn start(&self, line: &[u8]) -> edgemcp::runtime::BoxFuture<'static, Outcome> {
            self.server.start_in_session(
                &self.session,
                jsonrpc::parse(line),
                None,
                Caller::trusted(),
            )
        }
    }

    pub(crate) async fn a_cancelled_request_is_stopped_and_gets_no_answer() {
        let f = fixture(Runtime::for_tests(0));
        let mut running = f.start(&call(1));
        assert!((&mut running).now_or_never().is_none(), "the tool waits");
        assert_eq!(f.session.in_flight(), 1);
        let seen = f.seen.lock().unwrap().clone().expect("the tool ran");
        assert!(!seen.is_cancelled());

        assert!(matches!(
            f.start(&cancel(json!(1))).await,
            Outcome::Accepted
        ));
        assert!(
            seen.is_cancelled(),
            "the tool's context sees the cancellation"
        );
        assert!(seen.cancelled().now_or_never().is_some());
        // Opening the gate now would let a tool still alive finish its side effect.
        f.gate.cancel();
        assert!(matches!(running.await, Outcome::Accepted), "no answer");
        assert_eq!(f.side_effects.load(Ordering::SeqCst), 0);
        assert_eq!(f.session.in_flight(), 0);
    }

    pub(crate) async fn a_cancellation_read_right_after_its_request_always_finds_it() {
        let f = fixture(Runtime::for_tests(0));
        // The transport reads the cancellation before the request's future ever ran.
        let running = f.start(&call(7));
        assert!(matches!(
            f.start(&cancel(json!(7))).await,
            Outcome::Accepted
        ));
        f.gate.cancel();
        assert!(matches!(running.await, Outcome::Accepted));
        assert_eq!(f.side_effects.load(Ordering::SeqCst), 0);
        assert!(f.seen.lock().unwrap().is_none(), "the tool never started");
        assert_eq!(f.session.in_flight(), 0, "nothing leaks");
    }

    pub(crate) async fn a_finished_request_leaves_the_session_and_its_id_can_be_reused() {
        let f = fixture(Runtime::for_tests(0));
        f.gate.cancel(); // the tool finishes at once
        let Outcome::One(reply) = f.start(&call(3)).await else {
            panic!("a finished request is answered")
        };
        assert!(reply.response.outcome.is_ok());
        assert_eq!(f.session.in_flight(), 0);
        assert_eq!(f.side_effects.load(Ordering::SeqCst), 1);
        // A late cancellation of the finished request is ignored…
        assert!(matches!(
            f.start(&cancel(json!(3))).await,
            Outcome::Accepted
        ));
        // …and the id, used again, names the new request.
        assert!(matches!(f.start(&call(3)).await, Outcome::One(_)));
        assert_eq!(f.side_effects.load(Ordering::SeqCst), 2);
    }

    pub(crate) async fn cancellations_of_unknown_ids_change_nothing() {
        let f = fixture(Runtime::for_tests(0));
        let mut running = f.start(&call(1));
        assert!((&mut running).now_or_never().is_none());
        for id in [
            json!(2),
            json!("1"),
            json!(1.5),
            json!(null),
            json!({"id": 1}),
        ] {
            assert!(matches!(f.start(&cancel(id)).await, Outcome::Accepted));
        }
        assert_eq!(f.session.in_flight(), 1);
        f.gate.cancel();
        assert!(matches!(running.await, Outcome::One(_)), "still answered");
        assert_eq!(f.side_effects.load(Ordering::SeqCst), 1);
    }

    pub(crate) async fn the_request_log_records_a_cancelled_request() {
        let logger = CapturingLogger::default();
        let f = fixture(Runtime::for_tests(0).with_logger(logger.clone()));
        let mut running = f.start(&call(9));
        assert!((&mut running).now_or_never().is_none());
        f.start(&cancel(json!(9))).await;
        assert!(matches!(running.await, Outcome::Accepted));
        let events = logger.events();
        let event = events
            .iter()
            .find(|e| e["method"] == "tools/call")
            .expect("one event for the call");
        assert_eq!(event["outcome"], "cancelled");
        assert_eq!(event["target"], "wait");
        assert!(event.get("http_status").is_none(), "nothing was sent");
    }
}

/// Time limits, with a real timer (a thread per sleep), natively.
#[cfg(not(target_arch = "wasm32"))]
mod deadlines {
    use edgemcp::prompt::Completer;
    use edgemcp::runtime::testing::{CountingRng, ManualClock};
    use edgemcp::runtime::{BoxFuture, Runtime, Timer};
    use edgemcp::{
        Caller, Outcome, Prompt, PromptArgument, Resource, Server, ServerBuilder, Tool, ToolResult,
    };
    use serde_json::{json, Value};
    use std::time::Duration;

    struct ThreadTimer;

    impl Timer for ThreadTimer {
        fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
            let (done, fired) = futures_channel::oneshot::channel::<()>();
            std::thread::spawn(move || {
                std::thread::sleep(duration);
                let _ = done.send(());
            });
            Box::pin(async move {
                let _ = fired.await;
            })
        }
    }

    fn runtime() -> Runtime {
        Runtime::new(ManualClock::new(0), ThreadTimer, CountingRng::default())
    }

    /// A server whose handlers never finish, and whose `remaining` tool reports the time
    /// it has left.
    fn builder() -> ServerBuilder {
        use futures_util::future::pending;
        Server::builder("deadlines", "1.0.0")
            .tool(Tool::untyped(
                "hang",
                "Never finishes",
                json!({"type": "object"}),
                |_, _| pending(),
            ))
            .tool(Tool::untyped(
                "remaining",
                "Time left",
                json!({"type": "object"}),
                |_, cx| async move { Ok(ToolResult::text(cx.remaining().as_millis().to_string())) },
            ))
            .resource(Resource::new("slow://report", "report", |_| pending()))
            .prompt(Prompt::new("slow", "Never ready", |_, _| pending()))
            .prompt(
                Prompt::new("pick", "Completes slowly", |_, _| async { Ok(Vec::new()) })
                    .argument(
                        PromptArgument::required("table", "A table")
                            .complete(Completer::from_async(|_| pending())),
                    )
                    .argument(PromptArgument::optional("column", "A column").complete(
                        Completer::from_async(|partial| async move {
                            if partial.is_empty() {
                                Err(edgemcp::Error::storage("the catalogue is unreachable")
                                    .set_temporary())
                            } else {
                                Ok(vec![format!("{partial}_id")])
                            }
                        }),
                    )),
            )
    }

    fn post(server: &Server, body: Value) -> Value {
        let incoming = edgemcp::jsonrpc::parse(body.to_string().as_bytes());
        let outcome = futures_executor::block_on(server.handle_incoming(
            incoming,
            Some("2025-11-25".parse().unwrap()),
            Caller::trusted(),
        ));
        match outcome {
            Outcome::One(reply) => serde_json::to_value(&reply.response).unwrap(),
            Outcome::Batch(responses) => serde_json::to_value(&responses).unwrap(),
            Outcome::Accepted => Value::Null,
        }
    }

    fn request(id: u64, method: &str, params: Value) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    }

    #[test]
    fn a_slow_resource_read_and_a_slow_prompt_hit_their_limits() {
        let server = builder()
            .tool_timeout(Duration::from_millis(50))
            .build(runtime())
            .unwrap();
        let read = post(
            &server,
            request(1, "resources/read", json!({"uri": "slow://report"})),
        );
        let message = read["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Resource slow://report was not read within 50 ms"),
            "{message}"
        );
        let prompt = post(&server, request(2, "prompts/get", json!({"name": "slow"})));
        let message = prompt["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Prompt `slow` was not ready within 50 ms"),
            "{message}"
        );
    }

    fn complete(argument: &str, value: &str) -> Value {
        json!({"ref": {"type": "ref/prompt", "name": "pick"}, "argument": {"name": argument, "value": value}})
    }

    #[test]
    fn a_slow_completion_hits_its_limit_and_a_failing_one_says_so() {
        let server = builder()
            .tool_timeout(Duration::from_millis(50))
            .build(runtime())
            .unwrap();
        let slow = post(
            &server,
            request(1, "completion/complete", complete("table", "or")),
        );
        let message = slow["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("Completing `table` took longer than 50 ms and was stopped"),
            "{message}"
        );
        let done = post(
            &server,
            request(2, "completion/complete", complete("column", "order")),
        );
        assert_eq!(done["result"]["completion"]["values"], json!(["order_id"]));
        let failed = post(
            &server,
            request(3, "completion/complete", complete("column", "")),
        );
        // The store's own words stay in the server's log; the client hears it may retry.
        let message = failed["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("unavailable for now") && message.contains("try again shortly"),
            "{message}"
        );
        assert!(!message.contains("catalogue"), "{message}");
    }

    #[test]
    fn a_workflow_past_the_deadline_stops_with_what_ran() {
        use edgemcp::workflow::{Step, Workflow};
        let workflow = Workflow::new("slow_chain", "A quick step, then one that hangs")
            .step(Step::call("first", "remaining"))
            .step(Step::call("stuck", "hang"))
            .instruction("Never reached.");
        let server = builder()
            .workflow(workflow)
            .tool_timeout(Duration::from_secs(600))
            .request_timeout(Duration::from_millis(80))
            .build(runtime())
            .unwrap();
        let got = post(
            &server,
            request(1, "prompts/get", json!({"name": "slow_chain"})),
        );
        // The hanging step's limit is what is left of the request: its timer and the
        // request's race. Either way the answer names the limit instead of waiting.
        match got["result"]["messages"].as_array() {
            Some(messages) => {
                let last = messages.last().unwrap()["content"]["text"]
                    .as_str()
                    .unwrap();
                assert!(
                    last.contains("stopped at step `stuck` (hang), after 1 step ran"),
                    "{last}"
                );
                assert!(last.contains("did not finish within"), "{last}");
            }
            None => {
                let message = got["error"]["message"].as_str().unwrap();
                assert!(
                    message.contains("did not finish within") || message.contains("limit of 80 ms"),
                    "{got}"
                );
            }
        }
    }

    #[test]
    fn the_request_deadline_bounds_a_tool_whose_own_limit_is_longer() {
        let server = builder()
            .tool_timeout(Duration::from_secs(600))
            .request_timeout(Duration::from_millis(80))
            .build(runtime())
            .unwrap();
        let call = post(
            &server,
            request(1, "tools/call", json!({"name": "hang", "arguments": {}})),
        );
        // The tool's limit is what is left of the request, 80 ms, so two timers of 80 ms
        // race: the tool's (a tool result) or the request's (an error). Either names the
        // 80 ms; neither waits for the tool's own 600 s.
        let text = call["result"]["content"][0]["text"]
            .as_str()
            .or(call["error"]["message"].as_str())
            .unwrap();
        assert!(
            text.contains("did not finish within 80 ms") || text.contains("limit of 80 ms"),
            "{call}"
        );
        let left = post(
            &server,
            request(
                2,
                "tools/call",
                json!({"name": "remaining", "arguments": {}}),
            ),
        );
        let left: u64 = left["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            left <= 80,
            "a handler sees at most the request's time: {left} ms"
        );
    }

    #[test]
    fn one_deadline_bounds_a_whole_batch() {
        let server = builder()
            .tool_timeout(Duration::from_secs(600))
            .request_timeout(Duration::from_millis(80))
            .build(runtime())
            .unwrap();
        let batch = json!([
            request(1, "resources/read", json!({"uri": "slow://report"})),
            request(2, "prompts/get", json!({"name": "slow"})),
        ]);
        let incoming = edgemcp::jsonrpc::parse(batch.to_string().as_bytes());
        let outcome = futures_executor::block_on(server.handle_incoming(
            incoming,
            Some("2025-03-26".parse().unwrap()),
            Caller::trusted(),
        ));
        let Outcome::Batch(responses) = outcome else {
            panic!("a batch gets a batch")
        };
        assert_eq!(responses.len(), 2);
        // Each item's limit is what is left of the batch's 80 ms: whichever of the two
        // timers fires first, the error names those 80 ms, not the 600 s handler limit.
        for response in responses {
            let value = serde_json::to_value(&response).unwrap();
            let message = value["error"]["message"].as_str().unwrap();
            assert!(message.contains(" 80 ms"), "{message}");
        }
    }
}

/// Rate limits over the HTTP function, with a clock the test moves.
mod rate_limits {
    use super::common::raw_post;
    use edgemcp::auth::{ApiKeys, Auth};
    use edgemcp::http::HttpBody;
    use edgemcp::middleware::{Limit, RateLimits, RATE_LIMITED};
    use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
    use edgemcp::runtime::Runtime;
    use edgemcp::{Server, Tool, ToolResult};
    use serde_json::{json, Value};
    use std::time::Duration;

    /// SHA-256 of "secret-key".
    const KEY_HASH: &str = "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa";

    fn server(clock: &ManualClock, limits: RateLimits, auth: Option<Auth>) -> Server {
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
        let echo = |name: &'static str| {
            Tool::untyped(name, "Echoes", json!({"type": "object"}), |_, _| async {
                Ok(ToolResult::text("ok"))
            })
        };
        let mut builder = Server::builder("limits", "1.0.0")
            .tool(echo("cheap"))
            .tool(echo("costly"))
            .rate_limits(limits);
        if let Some(auth) = auth {
            builder = builder.auth(auth);
        }
        builder.build(runtime).unwrap()
    }

    /// Calls `tool` from `address` (and with `key`, if given): the status, the
    /// `Retry-After` header and the body.
    fn call(
        server: &Server,
        tool: &str,
        address: &str,
        key: Option<&str>,
    ) -> (u16, Option<String>, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": tool, "arguments": {}}})
        .to_string();
        let bearer = key.map(|k| format!("Bearer {k}"));
        let mut headers = vec![("mcp-protocol-version", "2025-11-25")];
        if let Some(bearer) = &bearer {
            headers.push(("authorization", bearer));
        }
        let mut request = raw_post(&body, &headers);
        request.remote_addr = Some(address.to_owned());
        let response = futures_executor::block_on(server.handle_http(request));
        let retry = response.header_value("retry-after").map(str::to_owned);
        let body: Value = match &response.body {
            HttpBody::Full(bytes) => serde_json::from_slice(bytes).unwrap(),
            _ => Value::Null,
        };
        (response.status, retry, body)
    }

    #[test]
    fn a_burst_over_the_limit_gets_429s_then_succeeds_after_the_refill() {
        let clock = ManualClock::new(1_000_000);
        let limits = RateLimits::new().every_request(Limit {
            per_minute: 60,
            burst: 3,
        });
        let server = server(&clock, limits, None);
        for _ in 0..3 {
            assert_eq!(call(&server, "cheap", "10.0.0.1", None).0, 200);
        }
        let (status, retry, body) = call(&server, "cheap", "10.0.0.1", None);
        assert_eq!(status, 429);
        assert_eq!(retry.as_deref(), Some("1"), "one token a second");
        assert_eq!(body["error"]["code"], RATE_LIMITED);
        assert_eq!(body["error"]["data"]["retryAfterSeconds"], 1);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("60 a minute") && message.contains("retry in 1 s"),
            "{message}"
        );
        // Another address has its own bucket.
        assert_eq!(call(&server, "cheap", "10.0.0.2", None).0, 200);
        // After the refill, the first caller is served again.
        clock.advance(Duration::from_millis(1000));
        assert_eq!(call(&server, "cheap", "10.0.0.1", None).0, 200);
        assert_eq!(call(&server, "cheap", "10.0.0.1", None).0, 429);
    }

    #[test]
    fn a_tool_budget_holds_on_top_of_the_global_one() {
        let clock = ManualClock::new(0);
        let limits = RateLimits::new()
            .every_request(Limit::per_minute(100))
            .tool(
                "costly",
                Limit {
                    per_minute: 2,
                    burst: 2,
                },
            );
        let server = server(&clock, limits, None);
        assert_eq!(call(&server, "costly", "10.0.0.1", None).0, 200);
        assert_eq!(call(&server, "costly", "10.0.0.1", None).0, 200);
        let (status, retry, body) = call(&server, "costly", "10.0.0.1", None);
        assert_eq!(status, 429);
        assert_eq!(retry.as_deref(), Some("30"), "two a minute: one every 30 s");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("calls of `costly`"));
        // Other tools are not held back by it.
        assert_eq!(call(&server, "cheap", "10.0.0.1", None).0, 200);
    }

    #[test]
    fn verified_callers_are_counted_by_subject_not_by_address() {
        let clock = ManualClock::new(0);
        let keys = ApiKeys::from_hashes([format!("{KEY_HASH}:acme")], ["mcp:read"]).unwrap();
        let auth = Auth::new("https://mcp.example.com/mcp", keys);
        let limits = RateLimits::new().every_request(Limit {
            per_minute: 60,
            burst: 1,
        });
        let server = server(&clock, limits, Some(auth));
        assert_eq!(
            call(&server, "cheap", "10.0.0.1", Some("secret-key")).0,
            200
        );
        // The same key from another address draws from the same bucket.
        assert_eq!(
            call(&server, "cheap", "10.0.0.9", Some("secret-key")).0,
            429
        );
    }
}

/// Which budgets a limiter shared by instances holds, and which stay in memory.
mod shared_rate_limits {
    use super::common::raw_post;
    use edgemcp::middleware::{Decision, Limit, MemoryRateLimiter, RateLimiter, RateLimits};
    use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
    use edgemcp::runtime::{BoxFuture, Runtime};
    use edgemcp::{Server, Tool, ToolResult};
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    /// Buckets in memory, recording every key it is asked for; `own` says whether it
    /// keeps its own budget (as the Workers binding does).
    struct Recording {
        own: bool,
        buckets: MemoryRateLimiter,
        keys: Mutex<Vec<String>>,
    }

    impl RateLimiter for Recording {
        fn acquire(&self, key: &str, limit: Limit, now: u64) -> BoxFuture<'static, Decision> {
            self.keys.lock().unwrap().push(key.to_owned());
            let limit = if self.own {
                Limit::per_minute(2)
            } else {
                limit
            };
            self.buckets.acquire(key, limit, now)
        }
        fn keeps_own_limit(&self) -> bool {
            self.own
        }
    }

    fn run_calls(
        limits: RateLimits,
        own: bool,
        tool: &str,
        calls: usize,
    ) -> (Vec<u16>, Vec<String>) {
        let shared = Arc::new(Recording {
            own,
            buckets: MemoryRateLimiter::new(),
            keys: Mutex::new(Vec::new()),
        });
        let runtime = Runtime::new(ManualClock::new(0), NeverTimer, CountingRng::default());
        let server = Server::builder("limits", "1.0.0")
            .tool(Tool::untyped(
                tool,
                "Echoes",
                json!({"type": "object"}),
                |_, _| async { Ok(ToolResult::text("ok")) },
            ))
            .rate_limits(limits)
            .shared_rate_limiter(shared.clone())
            .build(runtime)
            .unwrap();
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": tool, "arguments": {}}})
        .to_string();
        let statuses = (0..calls)
            .map(|_| {
                let request = raw_post(&body, &[("mcp-protocol-version", "2025-11-25")]);
                futures_executor::block_on(server.handle_http(request)).status
            })
            .collect();
        let keys = shared.keys.lock().unwrap().clone();
        (statuses, keys)
    }

    #[test]
    fn a_limiter_that_honours_sizes_holds_the_tool_budgets_too() {
        let limits = RateLimits::new()
            .every_request(Limit::per_minute(100))
            .tool("costly", Limit::per_minute(2));
        let (statuses, keys) = run_calls(limits, false, "costly", 3);
        assert_eq!(statuses, [200, 200, 429]);
        assert!(keys[0].starts_with("tool\u{0}costly\u{0}"), "{keys:?}");
        assert_eq!(
            keys.len(),
            5,
            "two budgets per admitted call, one when refused: {keys:?}"
        );
    }

    #[test]
    fn with_no_limit_set_a_limiter_that_honours_sizes_is_never_asked() {
        let (statuses, keys) = run_calls(RateLimits::new(), false, "cheap", 5);
        assert_eq!(statuses, [200; 5]);
        assert!(keys.is_empty(), "{keys:?}");
    }

    #[test]
    fn a_limiter_with_its_own_budget_holds_every_request_and_no_tool_budget() {
        let (statuses, keys) = run_calls(RateLimits::new(), true, "cheap", 3);
        assert_eq!(statuses, [200, 200, 429], "its own budget of 2 holds");
        let limits = RateLimits::new().tool("costly", Limit::per_minute(1));
        let (statuses, keys_with_tool) = run_calls(limits, true, "costly", 2);
        assert_eq!(statuses, [200, 429], "the tool budget, in memory");
        assert!(keys
            .iter()
            .chain(&keys_with_tool)
            .all(|k| !k.starts_with("tool")));
    }
}

/// Circuit breakers around a store that fails on purpose.
mod breakers {
    use edgemcp::runtime::testing::CapturingLogger;
    use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
    use edgemcp::runtime::{BoxFuture, Runtime};
    use edgemcp::storage::{
        BreakerSettings, BreakerState, CircuitBreaker, Guarded, KvCapability, KvEntry, KvList,
        KvPut, KvStore, MemoryKv,
    };
    use edgemcp::{Error, ErrorKind, Result};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// A KV store that fails with a temporary error while `failing` is set, and counts the
    /// calls that reach it.
    struct Faulty {
        inner: MemoryKv,
        failing: AtomicBool,
        calls: AtomicUsize,
    }

    impl Faulty {
        fn enter(&self) -> Result<()> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                Err(Error::storage("the disk is on fire").set_temporary())
            } else {
                Ok(())
            }
        }
    }

    impl KvStore for Faulty {
        fn capability(&self) -> KvCapability {
            self.inner.capability()
        }
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
            Box::pin(async move {
                self.enter()?;
                self.inner.get(key).await
            })
        }
        fn put<'a>(
            &'a self,
            key: &'a str,
            value: Vec<u8>,
            options: KvPut,
        ) -> BoxFuture<'a, Result<()>> {
            Box::pin(async move {
                self.enter()?;
                self.inner.put(key, value, options).await
            })
        }
        fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
            Box::pin(async move {
                self.enter()?;
                self.inner.delete(key).await
            })
        }
        fn list<'a>(
            &'a self,
            prefix: &'a str,
            cursor: Option<&'a str>,
            limit: usize,
        ) -> BoxFuture<'a, Result<KvList>> {
            Box::pin(async move {
                self.enter()?;
                self.inner.list(prefix, cursor, limit).await
            })
        }
    }

    fn get(store: &dyn KvStore) -> Result<Option<KvEntry>> {
        futures_executor::block_on(store.get("k"))
    }

    #[test]
    fn a_failing_store_opens_the_breaker_calls_fail_fast_and_one_trial_closes_it() {
        let clock = ManualClock::new(0);
        let logger = CapturingLogger::default();
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default())
            .with_logger(logger.clone());
        let faulty = Arc::new(Faulty {
            inner: MemoryKv::new(runtime.clone()),
            failing: AtomicBool::new(true),
            calls: AtomicUsize::new(0),
        });
        let settings = BreakerSettings {
            failures: 3,
            window: Duration::from_secs(30),
            cool_down: Duration::from_secs(10),
        };
        let breaker = Arc::new(CircuitBreaker::new("kv", settings, runtime));
        let store = Guarded::new(faulty.clone(), breaker.clone());

        for _ in 0..3 {
            assert_eq!(get(&store).unwrap_err().kind(), ErrorKind::Storage);
        }
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(faulty.calls.load(Ordering::SeqCst), 3);
        // Open: calls fail fast, never reaching the store, with a retryable error that
        // names it.
        for _ in 0..5 {
            let err = get(&store).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unavailable);
            assert!(err.is_temporary());
            assert!(
                err.message().contains("The kv store is failing"),
                "{}",
                err.message()
            );
            assert!(err.message().contains("retry in 10 s"), "{}", err.message());
        }
        assert_eq!(
            faulty.calls.load(Ordering::SeqCst),
            3,
            "nothing reached the store"
        );

        // After the cool-down, one trial; it fails, so the breaker opens again.
        clock.advance(Duration::from_secs(10));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert_eq!(get(&store).unwrap_err().kind(), ErrorKind::Storage);
        assert_eq!(breaker.state(), BreakerState::Open);
        assert_eq!(faulty.calls.load(Ordering::SeqCst), 4);

        // The store recovers; the next trial closes the breaker.
        faulty.failing.store(false, Ordering::SeqCst);
        clock.advance(Duration::from_secs(10));
        assert!(get(&store).is_ok());
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(get(&store).is_ok());
        assert_eq!(faulty.calls.load(Ordering::SeqCst), 6);

        let states: Vec<String> = logger
            .events()
            .iter()
            .filter(|e| e["message"] == "circuit breaker")
            .map(|e| {
                format!(
                    "{}:{}",
                    e["store"].as_str().unwrap(),
                    e["state"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                "kv:open",
                "kv:half_open",
                "kv:open",
                "kv:half_open",
                "kv:closed"
            ],
            "every change is logged"
        );
    }

    #[test]
    fn failures_outside_the_window_and_errors_that_are_not_temporary_do_not_open_it() {
        let clock = ManualClock::new(0);
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
        let settings = BreakerSettings {
            failures: 2,
            window: Duration::from_secs(5),
            cool_down: Duration::from_secs(10),
        };
        let breaker = CircuitBreaker::new("sql", settings, runtime);
        let temporary = || async { Err::<(), _>(Error::storage("reset").set_temporary()) };
        let refused = || async { Err::<(), _>(Error::invalid_params("no such table")) };
        for _ in 0..10 {
            let _ = futures_executor::block_on(breaker.call(refused()));
        }
        assert_eq!(breaker.state(), BreakerState::Closed, "the store answered");
        let _ = futures_executor::block_on(breaker.call(temporary()));
        clock.advance(Duration::from_secs(6));
        let _ = futures_executor::block_on(breaker.call(temporary()));
        assert_eq!(
            breaker.state(),
            BreakerState::Closed,
            "6 s apart, in a 5 s window"
        );
        let _ = futures_executor::block_on(breaker.call(temporary()));
        assert_eq!(breaker.state(), BreakerState::Open);
    }

    #[test]
    fn an_abandoned_trial_lets_the_next_call_try_again() {
        let clock = ManualClock::new(0);
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
        let settings = BreakerSettings {
            failures: 1,
            window: Duration::from_secs(5),
            cool_down: Duration::from_secs(1),
        };
        let breaker = CircuitBreaker::new("blobs", settings, runtime);
        let _ = futures_executor::block_on(
            breaker.call(async { Err::<(), _>(Error::storage("reset").set_temporary()) }),
        );
        clock.advance(Duration::from_secs(1));
        {
            // The trial starts and its request is dropped before the store answers.
            use futures_util::FutureExt;
            let mut trial = Box::pin(breaker.call(futures_util::future::pending::<Result<()>>()));
            assert!((&mut trial).now_or_never().is_none());
        }
        assert!(futures_executor::block_on(breaker.call(async { Ok(()) })).is_ok());
        assert_eq!(breaker.state(), BreakerState::Closed);
    }
}

/// `/ready` over the HTTP function: each store probed, the failing one named, the reason
/// in the log only.
mod readiness {
    use edgemcp::http::{HttpBody, HttpRequest};
    use edgemcp::runtime::testing::{CapturingLogger, CountingRng, ImmediateTimer, ManualClock};
    use edgemcp::runtime::Runtime;
    use edgemcp::storage::{BreakerSettings, CircuitBreaker, MemoryBlobs, MemoryKv};
    use edgemcp::toolkit::Stores;
    use edgemcp::{Error, Readiness, Server};
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn ready(server: &Server) -> (u16, Value) {
        let response =
            futures_executor::block_on(server.handle_http(HttpRequest::new("GET", "/ready")));
        let body = match &response.body {
            HttpBody::Full(bytes) => serde_json::from_slice(bytes).unwrap(),
            _ => Value::Null,
        };
        (response.status, body)
    }

    #[test]
    fn every_store_answers_or_the_one_that_does_not_is_named() {
        let logger = CapturingLogger::default();
        let runtime = Runtime::new(ManualClock::new(0), ImmediateTimer, CountingRng::default())
            .with_logger(logger.clone());
        let stores = Stores {
            kv: Some(Arc::new(MemoryKv::new(runtime.clone()))),
            blobs: Some(Arc::new(MemoryBlobs::new(runtime.clone()))),
            sql: None,
        };
        let breaker = Arc::new(CircuitBreaker::new(
            "kv",
            BreakerSettings::default(),
            runtime.clone(),
        ));
        let healthy = Server::builder("ready", "1.0.0")
            .readiness(Readiness::new().stores(&stores).breakers([breaker.clone()]))
            .build(runtime.clone())
            .unwrap();
        assert_eq!(
            ready(&healthy),
            (
                200,
                json!({"status": "ready", "stores": {"kv": "ok", "blobs": "ok"}, "breakers": {"kv": "closed"}})
            )
        );

        let broken = Server::builder("ready", "1.0.0")
            .readiness(Readiness::new().stores(&stores).probe("upstream", || {
                Box::pin(async { Err(Error::storage("connection refused by 10.1.2.3:5432")) })
            }))
            .build(runtime.clone())
            .unwrap();
        let (status, body) = ready(&broken);
        assert_eq!(status, 503);
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["stores"]["upstream"], "down");
        assert_eq!(body["stores"]["kv"], "ok");
        assert!(
            !body.to_string().contains("10.1.2.3"),
            "the reason stays out of the body"
        );
        let logged = logger.text();
        assert!(
            logged.contains("a store is not ready") && logged.contains("10.1.2.3"),
            "{logged}"
        );

        // A probe that never answers is down once its time is up (the timer here fires at once).
        let stuck = Server::builder("ready", "1.0.0")
            .readiness(
                Readiness::new().probe("stuck", || Box::pin(futures_util::future::pending())),
            )
            .build(runtime)
            .unwrap();
        let (status, body) = ready(&stuck);
        assert_eq!((status, &body["stores"]["stuck"]), (503, &json!("down")));
        assert!(logger.text().contains("no answer within 2000 ms"));
    }

    #[test]
    fn without_readiness_ready_is_not_served_and_health_touches_nothing() {
        let server = Server::builder("ready", "1.0.0")
            .build(Runtime::for_tests(0))
            .unwrap();
        assert_eq!(ready(&server).0, 404);
        let health =
            futures_executor::block_on(server.handle_http(HttpRequest::new("GET", "/health")));
        assert_eq!(health.status, 200);
    }
}
