//! How each revision spells a task.
//!
//! 2025-11-25 names the fields `ttl` and `pollInterval`, wraps a new task in `task`, and
//! counts a tool error as `failed`; the 2026-07-28 extension names them `ttlMs` and
//! `pollIntervalMs`, answers creation with the task itself (`resultType: "task"`), and
//! carries the result, error or input requests in `tasks/get`.

use crate::protocol::{ProtocolVersion, META_RELATED_TASK};
use crate::storage::{TaskRecord, TaskStatus};
use crate::util::rfc3339;
use serde_json::{json, Map, Value};

/// The task's own fields, as `version` spells them.
pub(super) fn task_fields(task: &TaskRecord, version: ProtocolVersion) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("taskId".into(), json!(task.id));
    let (status, message) = status_for(task, version);
    out.insert("status".into(), json!(status.as_str()));
    if let Some(message) = message {
        out.insert("statusMessage".into(), json!(message));
    }
    out.insert("createdAt".into(), json!(rfc3339(task.created_ms)));
    out.insert("lastUpdatedAt".into(), json!(rfc3339(task.updated_ms)));
    let (ttl, poll) = if version.has_task_extension() {
        ("ttlMs", "pollIntervalMs")
    } else {
        ("ttl", "pollInterval")
    };
    out.insert(ttl.into(), json!(task.ttl_ms));
    out.insert(poll.into(), json!(task.poll_interval_ms));
    out
}

/// The status a revision shows, and its message: 2025-11-25 counts a result with
/// `isError` as `failed`, 2026-07-28 as `completed` with that result.
fn status_for(task: &TaskRecord, version: ProtocolVersion) -> (TaskStatus, Option<String>) {
    let tool_error = task.status == TaskStatus::Completed
        && task
            .result
            .as_ref()
            .and_then(|r| r.get("isError"))
            .and_then(Value::as_bool)
            == Some(true);
    if tool_error && !version.has_task_extension() {
        let text = task
            .result
            .as_ref()
            .and_then(|r| r.pointer("/content/0/text"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        return (
            TaskStatus::Failed,
            text.or_else(|| task.status_message.clone()),
        );
    }
    (task.status, task.status_message.clone())
}

/// The answer to a `tools/call` that became a task.
pub(super) fn created(task: &TaskRecord, version: ProtocolVersion) -> Map<String, Value> {
    let fields = task_fields(task, version);
    if version.has_task_extension() {
        let mut out = fields;
        out.insert("resultType".into(), json!("task"));
        out
    } else {
        let mut out = Map::new();
        out.insert("task".into(), Value::Object(fields));
        out
    }
}

/// The `tasks/get` result: the task and, on 2026-07-28, what its status carries.
pub(super) fn detailed(task: &TaskRecord, version: ProtocolVersion) -> Map<String, Value> {
    let mut out = task_fields(task, version);
    if version.has_task_extension() {
        match task.status {
            TaskStatus::InputRequired => {
                out.insert(
                    "inputRequests".into(),
                    Value::Object(task.input.requests.clone()),
                );
            }
            TaskStatus::Completed => {
                if let Some(result) = &task.result {
                    out.insert("result".into(), result.clone());
                }
            }
            TaskStatus::Failed => {
                if let Some(error) = &task.error {
                    out.insert("error".into(), error.clone());
                }
            }
            TaskStatus::Working | TaskStatus::Cancelled => {}
        }
    }
    out
}

/// `_meta` tying a result to its task (2025-11-25).
pub(super) fn related_meta(task: &TaskRecord) -> Value {
    let mut meta = Map::new();
    meta.insert(META_RELATED_TASK.into(), json!({"taskId": task.id}));
    Value::Object(meta)
}
