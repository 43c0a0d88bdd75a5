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

    pub async fn a_cancelled_request_is_stopped_and_gets_no_answer() {
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

    pub async fn a_cancellation_read_right_after_its_request_always_finds_it() {
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

    pub async fn a_finished_request_leaves_the_session_and_its_id_can_be_reused() {
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

    pub async fn cancellations_of_unknown_ids_change_nothing() {
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

    pub async fn the_request_log_records_a_cancelled_request() {
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
