//! `edgemcp stdio`'s loop over a pipe: a cancelled request is stopped before its side
//! effect and never answered, while the others are.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp::{Server, Tool, ToolResult};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A server whose `slow_write` tool sleeps `ms` on the host's timer, then counts a write.
fn server(writes: Arc<AtomicUsize>) -> Server {
    let tool = Tool::untyped(
        "slow_write",
        "Waits, then writes",
        json!({"type": "object", "properties": {"ms": {"type": "integer"}}, "required": ["ms"]}),
        move |args, cx| {
            let writes = writes.clone();
            async move {
                let ms = args["ms"].as_u64().unwrap_or(0);
                cx.runtime().sleep(Duration::from_millis(ms)).await;
                writes.fetch_add(1, Ordering::SeqCst);
                Ok(ToolResult::text("written"))
            }
        },
    );
    Server::builder("stdio-test", "1.0.0")
        .tool(tool)
        .build(edgemcp_native::runtime::runtime().unwrap())
        .unwrap()
}

fn call(id: u64, ms: u64) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": "slow_write", "arguments": {"ms": ms}}})
    .to_string()
}

fn cancel(id: u64) -> String {
    json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": id}})
        .to_string()
}

/// Writes `input` (one message per line) to the stdio loop, closes it, and returns every
/// line the loop wrote, once it has ended.
async fn session(server: Server, input: Vec<String>) -> Vec<Value> {
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let serving = tokio::spawn(edgemcp_native::stdio::run(server, server_in, server_out));
    let mut text = input.join("\n");
    text.push('\n');
    // One write: the loop reads each cancellation right after the request it names.
    client_in.write_all(text.as_bytes()).await.unwrap();
    drop(client_in);
    let mut lines = BufReader::new(client_out).lines();
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        out.push(serde_json::from_str(&line).unwrap());
    }
    serving.await.unwrap().unwrap();
    out
}

fn ids(out: &[Value]) -> Vec<u64> {
    let mut ids: Vec<u64> = out.iter().filter_map(|m| m["id"].as_u64()).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn a_cancelled_tool_stops_before_its_side_effect_and_gets_no_answer() {
    let writes = Arc::new(AtomicUsize::new(0));
    let out = session(
        server(writes.clone()),
        vec![call(1, 400), cancel(1), call(2, 20)],
    )
    .await;
    assert_eq!(
        ids(&out),
        vec![2],
        "only the request not cancelled is answered"
    );
    assert_eq!(out[0]["result"]["content"][0]["text"], "written");
    // Long enough for the cancelled call to have written, had it kept running.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        writes.load(Ordering::SeqCst),
        1,
        "the cancelled call never wrote"
    );
}

#[tokio::test]
async fn cancellations_of_ids_not_running_leave_every_request_its_answer() {
    let writes = Arc::new(AtomicUsize::new(0));
    let mut input = Vec::new();
    for id in 1..=200 {
        input.push(call(id, 0));
        // An id no request has: ignored, as the protocol asks.
        input.push(cancel(id + 1000));
    }
    let out = session(server(writes.clone()), input).await;
    assert_eq!(ids(&out), (1..=200).collect::<Vec<_>>());
    assert_eq!(writes.load(Ordering::SeqCst), 200);
}

/// A task's progress and its end reach a stdio client after the call was answered, tied
/// to the task.
#[tokio::test]
async fn a_task_reports_progress_and_status_after_its_answer() {
    let tool = Tool::untyped(
        "count",
        "Counts to two, slowly",
        json!({"type": "object"}),
        |_, cx| async move {
            for step in 1..=2 {
                cx.runtime().sleep(Duration::from_millis(300)).await;
                cx.progress(f64::from(step), Some(2.0), None);
            }
            Ok(ToolResult::text("counted"))
        },
    )
    .task_support(edgemcp::tool::TaskSupport::Optional);
    let server = Server::builder("stdio-tasks", "1.0.0")
        .tool(tool)
        .tasks(edgemcp::storage::MemoryTasks::new())
        .build(edgemcp_native::runtime::runtime().unwrap())
        .unwrap();
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let serving = tokio::spawn(edgemcp_native::stdio::run(server, server_in, server_out));
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "count", "arguments": {}, "task": {"ttl": 60000}, "_meta": {"progressToken": "p"}}}),
    ];
    let mut lines = BufReader::new(client_out).lines();
    let mut seen = Vec::new();
    // The call waits for `initialize` to settle the session's revision.
    for request in requests {
        client_in
            .write_all(format!("{request}\n").as_bytes())
            .await
            .unwrap();
        if request["id"] == 1 {
            let line = lines.next_line().await.unwrap().unwrap();
            seen.push(serde_json::from_str::<Value>(&line).unwrap());
        }
    }
    let read_all = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let message: Value = serde_json::from_str(&line).unwrap();
            let done = message["method"] == "notifications/tasks/status";
            seen.push(message);
            if done {
                break;
            }
        }
    };
    let arrived = tokio::time::timeout(Duration::from_secs(10), read_all).await;
    assert!(
        arrived.is_ok(),
        "the task's status did not arrive: {seen:?}"
    );
    let task_id = seen
        .iter()
        .find(|m| m["id"] == 2)
        .and_then(|m| m["result"]["task"]["taskId"].as_str())
        .expect("the call is answered with its task")
        .to_owned();
    let progress: Vec<&Value> = seen
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert_eq!(progress.len(), 2, "{seen:?}");
    for note in &progress {
        assert_eq!(note["params"]["progressToken"], "p");
        assert_eq!(
            note["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
            json!(task_id)
        );
    }
    let status = seen.last().unwrap();
    assert_eq!(status["params"]["taskId"], json!(task_id));
    assert_eq!(status["params"]["status"], "completed");
    drop(client_in);
    serving.await.unwrap().unwrap();
}
