//! Tasks: calls that outlive their request, on 2025-11-25 (the client asks with `task`)
//! and on 2026-07-28 (the tasks extension; the server decides). Work runs on threads
//! with a real clock, so leases, time to live and cancellation behave as on a host; each
//! message is checked against the revision's official schema.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::schema::check_message;
use edgemcp::auth::{ApiKeys, Auth, Identity};
use edgemcp::jsonrpc::{Request, RequestId};
use edgemcp::protocol::ProtocolVersion;
use edgemcp::runtime::testing::{CountingRng, ThreadSpawner};
use edgemcp::runtime::{BoxFuture, Clock, Runtime, Timer};
use edgemcp::storage::{MemoryTasks, TaskInput, TaskRecord, TaskStatus, TaskStore};
use edgemcp::tool::TaskSupport;
use edgemcp::{Caller, Server, TaskSettings, Tool, ToolResult};
use futures_executor::block_on;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const V2025: ProtocolVersion = ProtocolVersion::V2025_11_25;
const V2026: ProtocolVersion = ProtocolVersion::V2026_07_28;

struct SystemClock(Instant);

impl Clock for SystemClock {
    fn now_unix_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }

    fn monotonic_micros(&self) -> u64 {
        self.0.elapsed().as_micros() as u64
    }
}

/// Sleeps on a thread of its own, so work on any thread can wait.
struct ThreadTimer;

impl Timer for ThreadTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let (done, wait) = futures_channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let _ = done.send(());
        });
        Box::pin(async move {
            let _ = wait.await;
        })
    }
}

fn runtime() -> Runtime {
    Runtime::new(
        SystemClock(Instant::now()),
        ThreadTimer,
        CountingRng::default(),
    )
    .with_spawner(ThreadSpawner)
}

/// What the tools did, for the tests to read.
#[derive(Default)]
struct Effects {
    /// Set by `write_later` once it wrote (after its pause).
    written: AtomicBool,
}

/// Sleeps `ms` milliseconds or until the call is cancelled; `false` when cancelled.
async fn pause(cx: &edgemcp::RequestContext, ms: u64) -> bool {
    use futures_util::future::{select, Either};
    let cancelled = std::pin::pin!(cx.cancelled());
    matches!(
        select(cx.runtime().sleep(Duration::from_millis(ms)), cancelled).await,
        Either::Left(_)
    )
}

fn tools(effects: &Arc<Effects>) -> Vec<Tool> {
    let object = || json!({"type": "object", "properties": {"ms": {"type": "integer"}}});
    let effects = effects.clone();
    vec![
        Tool::untyped("quick", "Answers at once.", object(), |_, _| async {
            Ok(ToolResult::text("quick"))
        }),
        Tool::untyped(
            "slow",
            "Answers after `ms`.",
            object(),
            |args, cx| async move {
                let ms = args["ms"].as_u64().unwrap_or(300);
                pause(&cx, ms).await;
                Ok(ToolResult::text(format!("slept {ms} ms")))
            },
        )
        .task_support(TaskSupport::Optional),
        Tool::untyped(
            "write_later",
            "Writes after `ms`, unless cancelled first.",
            object(),
            move |args, cx| {
                let effects = effects.clone();
                async move {
                    if pause(&cx, args["ms"].as_u64().unwrap_or(500)).await {
                        effects.written.store(true, Ordering::SeqCst);
                    }
                    Ok(ToolResult::text("written"))
                }
            },
        )
        .task_support(TaskSupport::Required),
        Tool::untyped(
            "broken",
            "Fails after a moment.",
            object(),
            |_, cx| async move {
                pause(&cx, 200).await;
                Err(edgemcp::Error::invalid_params("this tool always refuses"))
            },
        )
        .task_support(TaskSupport::Required),
    ]
}

struct Fixture {
    server: Server,
    store: Arc<MemoryTasks>,
    effects: Arc<Effects>,
    next_id: AtomicI64,
}

fn fixture_with(settings: TaskSettings, page_size: usize) -> Fixture {
    let effects = Arc::new(Effects::default());
    let store = Arc::new(MemoryTasks::new());
    let keys = ApiKeys::from_hashes(
        ["0000000000000000000000000000000000000000000000000000000000000000"],
        ["mcp:read"],
    )
    .expect("keys");
    let server = Server::builder("tasks", "1")
        .tools(tools(&effects))
        .page_size(page_size)
        .tasks_in(store.clone())
        .task_settings(settings)
        .auth(Auth::new("https://tasks.example/mcp", keys))
        .build(runtime())
        .expect("server builds");
    Fixture {
        server,
        store,
        effects,
        next_id: AtomicI64::new(1),
    }
}

fn fixture() -> Fixture {
    fixture_with(TaskSettings::default(), 100)
}

/// Hands jobs to another server in the same process, as a Worker hands them to its
/// Durable Object.
struct ToServer(Server);

impl edgemcp::TaskDelegate for ToServer {
    fn delegate(&self, _owner: &str, job: Value) -> BoxFuture<'static, edgemcp::Result<Value>> {
        let server = self.0.clone();
        Box::pin(async move { Ok(server.answer_delegated(&job).await) })
    }
}

fn caller(subject: &str, tenant: &str) -> Caller {
    let mut identity = Identity::new(subject);
    identity.tenant = Some(tenant.to_owned());
    Caller::verified(identity)
}

fn alice() -> Caller {
    caller("alice", "acme")
}

impl Fixture {
    /// Sends `method` as `caller` speaking `version`, checks the answer against the
    /// schema and returns the whole response.
    fn send_as(
        &self,
        caller: Caller,
        version: ProtocolVersion,
        method: &str,
        mut params: Value,
    ) -> Value {
        if version.is_stateless() {
            let meta = params
                .as_object_mut()
                .expect("params are an object")
                .entry("_meta")
                .or_insert_with(|| json!({}));
            meta["io.modelcontextprotocol/protocolVersion"] = json!(version.as_str());
            meta["io.modelcontextprotocol/clientInfo"] = json!({"name": "tests", "version": "0"});
            if meta
                .get("io.modelcontextprotocol/clientCapabilities")
                .is_none()
            {
                meta["io.modelcontextprotocol/clientCapabilities"] =
                    json!({"extensions": {"io.modelcontextprotocol/tasks": {}}});
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let request = Request {
            id: RequestId::Number(id.into()),
            method: method.to_owned(),
            params: params.as_object().cloned().unwrap_or_default(),
        };
        let reply = block_on(
            self.server
                .handle_request(request, Some(version), None, caller),
        );
        let message = serde_json::to_value(&reply.response).expect("a response is JSON");
        check_message(version, method, &message);
        message
    }

    fn send(&self, version: ProtocolVersion, method: &str, params: Value) -> Value {
        self.send_as(alice(), version, method, params)
    }

    fn result(&self, version: ProtocolVersion, method: &str, params: Value) -> Value {
        let message = self.send(version, method, params);
        assert!(message.get("error").is_none(), "{method} failed: {message}");
        message["result"].clone()
    }

    /// Starts `tool` as a 2025-11-25 task and returns its id.
    fn start(&self, tool: &str, args: Value) -> String {
        let created = self.result(
            V2025,
            "tools/call",
            json!({"name": tool, "arguments": args, "task": {"ttl": 60_000}}),
        );
        created["task"]["taskId"]
            .as_str()
            .unwrap_or_else(|| panic!("no task in {created}"))
            .to_owned()
    }

    fn status(&self, version: ProtocolVersion, id: &str) -> String {
        let task = self.result(version, "tasks/get", json!({"taskId": id}));
        task["status"].as_str().unwrap_or_default().to_owned()
    }

    /// Polls until the task leaves `working` (at most five seconds).
    fn settle(&self, version: ProtocolVersion, id: &str) -> String {
        for _ in 0..100 {
            let status = self.status(version, id);
            if status != "working" {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("task {id} still working after 5 s");
    }
}

fn error_code(message: &Value) -> i64 {
    message["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("expected an error, got {message}"))
}

#[test]
fn a_2025_task_is_announced_and_answered_after_its_response() {
    let f = fixture();
    let init = f.result(
        V2025,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}),
    );
    assert_eq!(
        init["capabilities"]["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
    );
    let listed = f.result(V2025, "tools/list", json!({}));
    let support: Vec<(&str, &str)> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["execution"]["taskSupport"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        support,
        [
            ("quick", "forbidden"),
            ("slow", "optional"),
            ("write_later", "required"),
            ("broken", "required")
        ]
    );
    // Earlier revisions have no tasks: neither the capability nor `execution`.
    let old = f.result(ProtocolVersion::V2025_06_18, "tools/list", json!({}));
    assert!(old["tools"][1].get("execution").is_none(), "{old}");

    let created = f.result(
        V2025,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 400}, "task": {"ttl": 60_000}}),
    );
    let task = &created["task"];
    assert_eq!(task["status"], "working");
    assert_eq!(task["ttl"], 60_000);
    assert!(task["pollInterval"].as_u64().is_some_and(|ms| ms > 0));
    let id = task["taskId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "128 random bits as hex: {id}");
    assert_eq!(f.status(V2025, &id), "working");

    // tasks/result waits for the end and returns what the call returns.
    let result = f.result(V2025, "tasks/result", json!({"taskId": id}));
    assert_eq!(result["content"][0]["text"], "slept 400 ms");
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        json!(id)
    );
    assert_eq!(f.status(V2025, &id), "completed");
}

#[test]
fn the_wrong_kind_of_call_is_refused_with_the_code_each_revision_names() {
    let f = fixture();
    let forbidden = f.send(
        V2025,
        "tools/call",
        json!({"name": "quick", "arguments": {}, "task": {}}),
    );
    assert_eq!(error_code(&forbidden), -32601, "{forbidden}");
    let untasked = f.send(
        V2025,
        "tools/call",
        json!({"name": "write_later", "arguments": {}}),
    );
    assert_eq!(error_code(&untasked), -32601, "{untasked}");
    let old = f.send(
        ProtocolVersion::V2025_06_18,
        "tools/call",
        json!({"name": "write_later", "arguments": {}}),
    );
    assert_eq!(error_code(&old), -32601, "{old}");
    let bad_ttl = f.send(
        V2025,
        "tools/call",
        json!({"name": "slow", "arguments": {}, "task": {"ttl": "soon"}}),
    );
    assert_eq!(error_code(&bad_ttl), -32602, "{bad_ttl}");
    // 2026-07-28: a client without the extension is told which capability it lacks,
    // before any task is looked up.
    let no_extension = json!({"_meta": {"io.modelcontextprotocol/clientCapabilities": {}}});
    let mut call = no_extension.clone();
    call["name"] = json!("write_later");
    call["arguments"] = json!({});
    let refused = f.send(V2026, "tools/call", call);
    assert_eq!(error_code(&refused), -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"],
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
    );
    let mut get = no_extension.clone();
    get["taskId"] = json!("nothing-here");
    assert_eq!(error_code(&f.send(V2026, "tasks/get", get)), -32021);
    // ... and an optional tool simply runs within the request.
    let mut direct = no_extension;
    direct["name"] = json!("slow");
    direct["arguments"] = json!({"ms": 10});
    let answered = f.send(V2026, "tools/call", direct);
    assert_eq!(answered["result"]["resultType"], "complete", "{answered}");
    // Methods of the other revision do not exist.
    assert_eq!(error_code(&f.send(V2026, "tasks/list", json!({}))), -32601);
    assert_eq!(
        error_code(&f.send(V2026, "tasks/result", json!({"taskId": "x"}))),
        -32601
    );
    assert_eq!(
        error_code(&f.send(
            V2025,
            "tasks/update",
            json!({"taskId": "x", "inputResponses": {}})
        )),
        -32601
    );
    let unknown = f.send(V2025, "tasks/get", json!({"taskId": "no-such-task"}));
    assert_eq!(error_code(&unknown), -32602, "{unknown}");
}

#[test]
fn a_cancelled_task_stays_cancelled_and_its_work_never_writes() {
    let f = fixture();
    let id = f.start("write_later", json!({"ms": 600}));
    let cancelled = f.result(V2025, "tasks/cancel", json!({"taskId": id}));
    assert_eq!(cancelled["status"], "cancelled");
    std::thread::sleep(Duration::from_millis(900));
    assert!(
        !f.effects.written.load(Ordering::SeqCst),
        "the cancelled work stopped before its side effect"
    );
    assert_eq!(f.status(V2025, &id), "cancelled");
    let again = f.send(V2025, "tasks/cancel", json!({"taskId": id}));
    assert_eq!(error_code(&again), -32602, "{again}");
    // The extension acknowledges a cancel of a finished task instead.
    let ack = f.result(V2026, "tasks/cancel", json!({"taskId": id}));
    assert_eq!(
        ack,
        json!({"resultType": "complete", "_meta": ack["_meta"]})
    );
    // Uncancelled, the same work writes.
    let id = f.start("write_later", json!({"ms": 50}));
    assert_eq!(f.settle(V2025, &id), "completed");
    assert!(f.effects.written.load(Ordering::SeqCst));
}

#[test]
fn failures_read_as_each_revision_spells_them() {
    let f = fixture();
    let id = f.start("broken", json!({}));
    assert_eq!(f.settle(V2025, &id), "failed");
    // 2025-11-25: the result is what the call would have returned (a tool error).
    let result = f.result(V2025, "tasks/result", json!({"taskId": id}));
    assert_eq!(result["isError"], true, "{result}");
    // 2026-07-28: a protocol error, inlined, with no result.
    let task = f.result(V2026, "tasks/get", json!({"taskId": id}));
    assert_eq!(task["status"], "failed");
    assert_eq!(task["error"]["code"], -32602, "{task}");
    assert!(task.get("result").is_none(), "{task}");
}

#[test]
fn tasks_belong_to_the_caller_that_started_them() {
    let f = fixture();
    let id = f.start("slow", json!({"ms": 50}));
    for (subject, tenant) in [("bob", "acme"), ("alice", "other")] {
        for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
            let refused = f.send_as(
                caller(subject, tenant),
                V2025,
                method,
                json!({"taskId": id}),
            );
            assert_eq!(error_code(&refused), -32602, "{method}: {refused}");
        }
        let listed = f.send_as(caller(subject, tenant), V2025, "tasks/list", json!({}));
        assert_eq!(listed["result"]["tasks"], json!([]), "{listed}");
    }
    let mine = f.result(V2025, "tasks/list", json!({}));
    assert_eq!(mine["tasks"][0]["taskId"], json!(id));
    assert_eq!(
        f.settle(V2025, &id),
        "completed",
        "the others' attempts changed nothing"
    );
}

#[test]
fn listing_is_newest_first_in_pages() {
    let f = fixture_with(TaskSettings::default(), 2);
    let mut started = Vec::new();
    for _ in 0..5 {
        started.push(f.start("slow", json!({"ms": 1})));
        // Distinct creation times, so "newest first" is one order.
        std::thread::sleep(Duration::from_millis(3));
    }
    let mut listed = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let params = cursor.as_ref().map_or(json!({}), |c| json!({"cursor": c}));
        let page = f.result(V2025, "tasks/list", params);
        let tasks = page["tasks"].as_array().unwrap();
        assert!(tasks.len() <= 2, "{page}");
        listed.extend(
            tasks
                .iter()
                .map(|t| t["taskId"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    started.reverse();
    assert_eq!(listed, started);
    let bad = f.send(V2025, "tasks/list", json!({"cursor": "not-a-cursor"}));
    assert_eq!(error_code(&bad), -32602);
}

#[test]
fn a_task_is_gone_once_its_time_to_live_ran_out() {
    let f = fixture();
    let created = f.result(
        V2025,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 1}, "task": {"ttl": 150}}),
    );
    assert_eq!(created["task"]["ttl"], 150);
    let id = created["task"]["taskId"].as_str().unwrap().to_owned();
    assert_eq!(f.settle(V2025, &id), "completed");
    std::thread::sleep(Duration::from_millis(250));
    let gone = f.send(V2025, "tasks/get", json!({"taskId": id}));
    assert_eq!(error_code(&gone), -32602);
    assert!(
        gone["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{gone}"
    );
    // The next task to start purges it from the store.
    f.start("slow", json!({"ms": 1}));
    let owner = json!(["acme", "alice"]).to_string();
    assert!(block_on(f.store.get(&owner, &id)).unwrap().is_none());
    // A time to live beyond the most the server keeps is cut to it.
    let settings = TaskSettings {
        max_ttl: Duration::from_secs(60),
        ..TaskSettings::default()
    };
    let capped = fixture_with(settings, 100);
    let created = capped.result(
        V2025,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 1}, "task": {"ttl": 86_400_000}}),
    );
    assert_eq!(created["task"]["ttl"], 60_000);
}

#[test]
fn a_working_task_whose_lease_ran_out_is_failed_not_working_forever() {
    let f = fixture();
    // What a process killed mid-task leaves behind: a working task nobody renews.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let orphan = TaskRecord {
        id: "0123456789abcdef0123456789abcdef".to_owned(),
        owner: json!(["acme", "alice"]).to_string(),
        tool: "slow".to_owned(),
        arguments: json!({}),
        status: TaskStatus::Working,
        status_message: None,
        created_ms: now - 60_000,
        updated_ms: now - 60_000,
        ttl_ms: Some(3_600_000),
        expires_ms: now + 3_540_000,
        poll_interval_ms: 500,
        lease_until_ms: now - 30_000,
        version: 3,
        input: TaskInput::default(),
        result: None,
        error: None,
    };
    block_on(f.store.create(&orphan)).unwrap();
    let task = f.result(V2026, "tasks/get", json!({"taskId": orphan.id}));
    assert_eq!(task["status"], "failed", "{task}");
    assert!(
        task["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stopped"),
        "{task}"
    );
    let listed = f.result(V2025, "tasks/list", json!({}));
    assert_eq!(listed["tasks"][0]["status"], "failed");
    // A running task keeps its lease: renewed at a third of it.
    let short = fixture_with(
        TaskSettings {
            lease: Duration::from_millis(300),
            ..TaskSettings::default()
        },
        100,
    );
    let id = short.start("slow", json!({"ms": 1000}));
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(short.status(V2025, &id), "working", "the lease was renewed");
    assert_eq!(short.settle(V2025, &id), "completed");
}

#[test]
fn the_extension_lets_the_server_decide_and_inlines_the_outcome() {
    let f = fixture();
    let discovered = f.result(V2026, "server/discover", json!({}));
    assert_eq!(
        discovered["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    assert!(discovered["capabilities"].get("tasks").is_none());
    // Quick enough to be answered directly, though it may be a task.
    let direct = f.result(
        V2026,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 1}}),
    );
    assert_eq!(direct["resultType"], "complete", "{direct}");
    // Too slow for that: a task, flat, with the fields the extension names.
    let created = f.result(
        V2026,
        "tools/call",
        json!({"name": "slow", "arguments": {"ms": 400}}),
    );
    assert_eq!(created["resultType"], "task", "{created}");
    assert!(
        created.get("ttlMs").is_some() && created.get("ttl").is_none(),
        "{created}"
    );
    assert!(created["pollIntervalMs"].as_u64().is_some_and(|ms| ms > 0));
    let id = created["taskId"].as_str().unwrap().to_owned();
    assert_eq!(f.settle(V2026, &id), "completed");
    let task = f.result(V2026, "tasks/get", json!({"taskId": id}));
    assert_eq!(
        task["result"]["content"][0]["text"], "slept 400 ms",
        "{task}"
    );
    assert_eq!(task["resultType"], "complete");
}

#[test]
fn a_server_without_tasks_of_its_own_hands_them_to_its_delegate() {
    let keeper = fixture();
    let front = Fixture {
        server: Server::builder("front", "1")
            .tools(tools(&keeper.effects))
            .delegate_tasks(ToServer(keeper.server.clone()))
            .auth(Auth::new(
                "https://tasks.example/mcp",
                ApiKeys::from_hashes(
                    ["0000000000000000000000000000000000000000000000000000000000000000"],
                    ["mcp:read"],
                )
                .expect("keys"),
            ))
            .build(Runtime::for_tests(0))
            .expect("a server that delegates needs no spawner"),
        store: keeper.store.clone(),
        effects: keeper.effects.clone(),
        next_id: AtomicI64::new(1),
    };
    let init = front.result(
        V2025,
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}),
    );
    assert!(
        init["capabilities"]["tasks"]["requests"]["tools"]["call"].is_object(),
        "{init}"
    );
    // Direct calls stay in the front server; task calls go to the keeper.
    let quick = front.result(
        V2025,
        "tools/call",
        json!({"name": "quick", "arguments": {}}),
    );
    assert_eq!(quick["content"][0]["text"], "quick");
    let id = front.start("write_later", json!({"ms": 50}));
    let owner = json!(["acme", "alice"]).to_string();
    assert!(
        block_on(keeper.store.get(&owner, &id)).unwrap().is_some(),
        "the keeper holds the task"
    );
    let result = front.result(V2025, "tasks/result", json!({"taskId": id}));
    assert_eq!(result["content"][0]["text"], "written");
    assert_eq!(
        front.result(V2025, "tasks/list", json!({}))["tasks"][0]["taskId"],
        json!(id)
    );
    // Refusals come back with their codes, and other callers see nothing.
    let refused = front.send_as(
        caller("bob", "acme"),
        V2025,
        "tasks/get",
        json!({"taskId": id}),
    );
    assert_eq!(error_code(&refused), -32602, "{refused}");
    let task = front.result(V2026, "tasks/get", json!({"taskId": id}));
    assert_eq!(task["status"], "completed");
    assert_eq!(task["resultType"], "complete");
}

#[test]
fn one_caller_runs_only_so_many_tasks_at_once() {
    let f = fixture_with(
        TaskSettings {
            max_running_per_caller: 1,
            ..TaskSettings::default()
        },
        100,
    );
    let first = f.start("write_later", json!({"ms": 600}));
    let refused = f.send(
        V2025,
        "tools/call",
        json!({"name": "write_later", "arguments": {"ms": 1}, "task": {}}),
    );
    assert_eq!(error_code(&refused), -32029, "{refused}");
    // Another caller has slots of its own.
    let other = f.send_as(
        caller("bob", "acme"),
        V2025,
        "tools/call",
        json!({"name": "write_later", "arguments": {"ms": 1}, "task": {}}),
    );
    assert!(other["result"]["task"]["taskId"].is_string(), "{other}");
    assert_eq!(f.settle(V2025, &first), "completed");
    f.start("write_later", json!({"ms": 1}));
}
