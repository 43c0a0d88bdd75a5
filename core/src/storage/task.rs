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
