//! Where tasks live: tool calls that outlast their request (MCP tasks).
//!
//! The server keeps every rule of the task lifecycle (who may see a task, which status
//! may follow which, when a task expires); a store only keeps records and replaces one
//! when nobody changed it in between. That makes stores small enough to write for any
//! backend that can compare and set one row: SQLite and PostgreSQL natively, a Durable
//! Object on Workers, [`MemoryTasks`](crate::storage::MemoryTasks) in one process.

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::Result;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// The work runs.
    Working,
    /// The work waits for the client's answers to its input requests (2026-07-28).
    InputRequired,
    /// The work finished with a result (which may be a tool error).
    Completed,
    /// The work failed with a protocol error, or the server running it stopped.
    Failed,
    /// The client cancelled the task.
    Cancelled,
}

impl TaskStatus {
    /// The status as the wire spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::InputRequired => "input_required",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the status is final: a terminal task never changes again.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

/// What a task asked the client for, and what came back (2026-07-28).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskInput {
    /// The requests still waiting for an answer, by key (`elicitation/create`, ...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub requests: Map<String, Value>,
    /// Every answer received so far, by key; the work sees them on its next run.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub responses: Map<String, Value>,
    /// The state the work kept for its next run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
}

/// One task, as a store keeps it.
///
/// Stores treat it as opaque apart from the fields they index: `id`, `owner`,
/// `created_ms` (listing order), `expires_ms` (purging) and `version` (compare and set).
/// [`serde`] gives it a JSON form for stores that keep documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task id: 128 random bits as hex, unguessable.
    pub id: String,
    /// Whose task it is: the verified caller and tenant, so no one else reads it.
    pub owner: String,
    /// The tool the task runs.
    pub tool: String,
    /// The tool's arguments, for runs after input arrives.
    pub arguments: Value,
    /// Where the task is.
    pub status: TaskStatus,
    /// Why it is there, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// When it was created (ms since the Unix epoch).
    pub created_ms: u64,
    /// When its status last changed.
    pub updated_ms: u64,
    /// How long it is kept after creation, in ms; `None` keeps it until deleted.
    pub ttl_ms: Option<u64>,
    /// When it may be purged: `created_ms + ttl_ms`, or `u64::MAX`.
    pub expires_ms: u64,
    /// How often the client should poll, in ms.
    pub poll_interval_ms: u64,
    /// While `working`: until when the instance running it vouches for it. A task whose
    /// lease ran out lost its runner (the process stopped) and is failed when next read.
    pub lease_until_ms: u64,
    /// Bumped by every change; [`TaskStore::replace`] only writes over the version it read.
    pub version: u64,
    /// The input requests and answers of a task that asks the client (2026-07-28).
    #[serde(default)]
    pub input: TaskInput,
    /// The `tools/call` result, once `completed` (or `failed` with a tool error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The JSON-RPC error object, once `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

impl TaskRecord {
    /// Whether the task outlived its time to live at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_ms
    }

    /// The record as JSON text: the form stores that keep documents write, the same as
    /// its `serde` form.
    ///
    /// ```
    /// # use edgemcp::storage::{TaskInput, TaskRecord, TaskStatus};
    /// let task = TaskRecord {
    ///     id: "t1".into(), owner: String::new(), tool: "export".into(),
    ///     arguments: serde_json::json!({}), status: TaskStatus::Working, status_message: None,
    ///     created_ms: 1, updated_ms: 1, ttl_ms: Some(60_000), expires_ms: 60_001,
    ///     poll_interval_ms: 500, lease_until_ms: 15_001, version: 0,
    ///     input: TaskInput::default(), result: None, error: None,
    /// };
    /// assert_eq!(TaskRecord::from_json_text(&task.to_json_text())?, task);
    /// # Ok::<(), edgemcp::Error>(())
    /// ```
    pub fn to_json_text(&self) -> String {
        // By hand rather than through the derive: one encoder for every store, and no
        // derive code in the Worker's module.
        let mut out = Map::new();
        out.insert("id".into(), Value::from(self.id.as_str()));
        out.insert("owner".into(), Value::from(self.owner.as_str()));
        out.insert("tool".into(), Value::from(self.tool.as_str()));
        out.insert("arguments".into(), self.arguments.clone());
        out.insert("status".into(), Value::from(self.status.as_str()));
        if let Some(message) = &self.status_message {
            out.insert("status_message".into(), Value::from(message.as_str()));
        }
        out.insert("created_ms".into(), Value::from(self.created_ms));
        out.insert("updated_ms".into(), Value::from(self.updated_ms));
        out.insert(
            "ttl_ms".into(),
            self.ttl_ms.map_or(Value::Null, Value::from),
        );
        out.insert("expires_ms".into(), Value::from(self.expires_ms));
        out.insert(
            "poll_interval_ms".into(),
            Value::from(self.poll_interval_ms),
        );
        out.insert("lease_until_ms".into(), Value::from(self.lease_until_ms));
        out.insert("version".into(), Value::from(self.version));
        let mut input = Map::new();
        if !self.input.requests.is_empty() {
            input.insert(
                "requests".into(),
                Value::Object(self.input.requests.clone()),
            );
        }
        if !self.input.responses.is_empty() {
            input.insert(
                "responses".into(),
                Value::Object(self.input.responses.clone()),
            );
        }
        if let Some(state) = &self.input.state {
            input.insert("state".into(), state.clone());
        }
        out.insert("input".into(), Value::Object(input));
        if let Some(result) = &self.result {
            out.insert("result".into(), result.clone());
        }
        if let Some(error) = &self.error {
            out.insert("error".into(), error.clone());
        }
        Value::Object(out).to_string()
    }

    /// A record [`to_json_text`](Self::to_json_text) wrote.
    ///
    /// # Errors
    /// [`ErrorKind::Storage`](crate::ErrorKind::Storage) when `text` is not such a record.
    pub fn from_json_text(text: &str) -> Result<TaskRecord> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| crate::Error::storage(format!("a stored task is not JSON ({e})")))?;
        TaskRecord::from_json(&value).ok_or_else(|| {
            crate::Error::storage(
                "a stored task is not a task record (a field is missing or of the wrong type);                  was it written by another program?",
            )
        })
    }

    fn from_json(value: &Value) -> Option<TaskRecord> {
        let text = |key: &str| value.get(key)?.as_str().map(str::to_owned);
        let number = |key: &str| value.get(key)?.as_u64();
        let optional = |key: &str| value.get(key).filter(|v| !v.is_null()).cloned();
        let object = |v: Option<&Value>| v.and_then(Value::as_object).cloned().unwrap_or_default();
        let status = match value.get("status")?.as_str()? {
            "working" => TaskStatus::Working,
            "input_required" => TaskStatus::InputRequired,
            "completed" => TaskStatus::Completed,
            "failed" => TaskStatus::Failed,
            "cancelled" => TaskStatus::Cancelled,
            _ => return None,
        };
        let input = value.get("input");
        Some(TaskRecord {
            id: text("id")?,
            owner: text("owner")?,
            tool: text("tool")?,
            arguments: value.get("arguments")?.clone(),
            status,
            status_message: text("status_message"),
            created_ms: number("created_ms")?,
            updated_ms: number("updated_ms")?,
            ttl_ms: number("ttl_ms"),
            expires_ms: number("expires_ms")?,
            poll_interval_ms: number("poll_interval_ms")?,
            lease_until_ms: number("lease_until_ms")?,
            version: number("version")?,
            input: TaskInput {
                requests: object(input.and_then(|i| i.get("requests"))),
                responses: object(input.and_then(|i| i.get("responses"))),
                state: input
                    .and_then(|i| i.get("state"))
                    .filter(|v| !v.is_null())
                    .cloned(),
            },
            result: optional("result"),
            error: optional("error"),
        })
    }
}

/// Where a listing resumes: after the task created at `created_ms` with id `id`, in the
/// order newest first (ties broken by id, descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskCursor {
    /// The creation time of the last task of the previous page.
    pub created_ms: u64,
    /// Its id.
    pub id: String,
}

impl TaskCursor {
    /// One page of `tasks` for a listing: those of `owner` after `after`, newest first,
    /// at most `limit`; for stores that read an owner's tasks whole and order them here.
    pub fn page(
        tasks: impl IntoIterator<Item = TaskRecord>,
        owner: &str,
        after: Option<&TaskCursor>,
        limit: usize,
    ) -> Vec<TaskRecord> {
        let mut mine: Vec<TaskRecord> = tasks
            .into_iter()
            .filter(|t| t.owner == owner)
            .filter(|t| after.is_none_or(|c| (t.created_ms, t.id.as_str()) < (c.created_ms, &c.id)))
            .collect();
        mine.sort_by(|a, b| (b.created_ms, &b.id).cmp(&(a.created_ms, &a.id)));
        mine.truncate(limit);
        mine
    }
}

/// Durable task records, shared by every instance that serves the same clients.
///
/// Every method may fail with [`ErrorKind::Storage`](crate::ErrorKind::Storage); the
/// server then answers the request with an internal error and changes nothing.
/// `storage::testing::task_behavior` (feature `testing`) checks an implementation's
/// promises.
pub trait TaskStore: MaybeSend + MaybeSync {
    /// Stores a new task. Its id is fresh (128 random bits); a store may refuse a
    /// duplicate with an error.
    fn create<'a>(&'a self, task: &'a TaskRecord) -> BoxFuture<'a, Result<()>>;

    /// The task `id` of `owner`, or `None` when there is none (or it belongs to someone
    /// else). Expired tasks not yet purged may be returned; the server hides them.
    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>>>;

    /// Writes `task` over the stored record with the same id if that record's version is
    /// still `expected_version`; `Ok(false)`, writing nothing, when it changed (or is gone).
    fn replace<'a>(
        &'a self,
        task: &'a TaskRecord,
        expected_version: u64,
    ) -> BoxFuture<'a, Result<bool>>;

    /// Up to `limit` tasks of `owner`, newest first, starting after `after`.
    fn list<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a TaskCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>>>;

    /// Deletes every task whose `expires_ms` is at or before `now_ms`; returns how many.
    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<u64>>;
}
