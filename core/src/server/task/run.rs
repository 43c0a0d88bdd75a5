//! A task's work after the response: its lease, its cancellation and its outcome.

use super::{millis, Tasks};
use crate::auth::Admitted;
use crate::jsonrpc::{ErrorObject, INTERNAL_ERROR};
use crate::protocol::{methods, ProtocolVersion};
use crate::runtime::BoxFuture;
use crate::server::context::{Link, Round};
use crate::server::report::During;
use crate::server::{Cancellation, Notifier, Server};
use crate::storage::{TaskRecord, TaskStatus};
use crate::tool::{InputRequired, Tool, ToolResult};
use crate::RequestContext;
use futures_util::future::{select, Either};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// How a task's work ended.
#[derive(Clone)]
pub(crate) enum Ran {
    /// A `tools/call` result, tool errors (`isError`) included.
    Result(Value),
    /// The handler failed: the JSON-RPC error, and the `isError` result a direct call
    /// would have got.
    Failed { error: Value, result: Value },
    /// The tool needs the client's answers first.
    Input(InputRequired),
    /// The work ran out of time.
    TimedOut(Duration),
}

impl Ran {
    /// What a call answered directly returns.
    pub(crate) fn into_direct_result(self) -> Value {
        match self {
            Ran::Result(result) | Ran::Failed { result, .. } => result,
            Ran::Input(_) => {
                ToolResult::error("The tool asked for input, which this call cannot carry.")
                    .into_value(true)
            }
            Ran::TimedOut(limit) => ToolResult::error(timed_out(limit)).into_value(true),
        }
    }

    /// Records the outcome on `task`, at `now`.
    pub(crate) fn apply(self, task: &mut TaskRecord, version: ProtocolVersion, now: u64) {
        task.updated_ms = now;
        task.version += 1;
        task.status_message = None;
        match self {
            Ran::Result(result) => {
                task.status = TaskStatus::Completed;
                task.result = Some(result);
            }
            Ran::Failed { error, result } => {
                task.status = TaskStatus::Failed;
                task.status_message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                task.error = Some(error);
                task.result = Some(result);
            }
            Ran::Input(input) if version.has_task_extension() && !input.requests.is_empty() => {
                task.status = TaskStatus::InputRequired;
                task.status_message = Some("Waiting for the client's answers.".to_owned());
                task.input.requests = input.requests;
                task.input.state = input.state;
            }
            Ran::Input(_) => {
                let why = format!(
                    "`{}` needs input from the client, which tasks of protocol version {version} cannot carry here; use 2026-07-28.",
                    task.tool
                );
                task.status = TaskStatus::Completed;
                task.result = Some(ToolResult::error(why).into_value(true));
            }
            Ran::TimedOut(limit) => {
                let message = timed_out(limit);
                task.status = TaskStatus::Failed;
                task.status_message = Some(message.clone());
                task.error = Some(error_value(ErrorObject::new(INTERNAL_ERROR, message)));
            }
        }
    }
}

fn timed_out(limit: Duration) -> String {
    format!(
        "The task did not finish within {} ms and was stopped; try a smaller request.",
        limit.as_millis()
    )
}

pub(super) fn error_value(error: ErrorObject) -> Value {
    serde_json::to_value(error).unwrap_or(Value::Null)
}

impl Server {
    /// The tool's work for a task, bounded by the longest time a task may run.
    pub(super) fn task_work(
        &self,
        tool: &Tool,
        args: Value,
        cx: RequestContext,
    ) -> BoxFuture<'static, Ran> {
        let server = self.clone();
        let handler = tool.handler.clone();
        let name = tool.name.clone();
        let limit = self
            .inner
            .tasks
            .as_ref()
            .map_or(Duration::ZERO, |tasks| tasks.settings.max_duration);
        Box::pin(async move {
            let call = handler.call(args, cx);
            match server.runtime().within(limit, call).await {
                Some(Ok(mut result)) => match result.input_required.take() {
                    Some(input) => Ran::Input(input),
                    None => Ran::Result(result.into_value(true)),
                },
                Some(Err(err)) => {
                    let during = During {
                        method: methods::TOOLS_CALL,
                        target: Some(&name),
                    };
                    // Either way the task failed; its result says why.
                    let error = server.client_error(err.error(), during);
                    let result = ToolResult::error(error.message.clone()).into_value(true);
                    Ran::Failed {
                        error: error_value(error),
                        result,
                    }
                }
                None => Ran::TimedOut(limit),
            }
        })
    }

    /// Runs `work` of `task` to its end: renews the lease while it runs, stops when the
    /// task is cancelled (here, or in the store by another instance), and records the
    /// outcome unless the task was cancelled meanwhile.
    pub(super) async fn run_task(
        self,
        task: TaskRecord,
        mut work: BoxFuture<'static, Ran>,
        cancel: Cancellation,
        version: ProtocolVersion,
        later: Option<Arc<dyn Notifier>>,
    ) {
        let Some(tasks) = self.inner.tasks.as_ref() else {
            return;
        };
        let renew_every = tasks.settings.lease / 3;
        loop {
            let stop = std::pin::pin!(cancel.cancelled());
            let tick = self.runtime().sleep(renew_every);
            match select(&mut work, select(tick, stop)).await {
                Either::Left((ran, _)) => {
                    if let Some(written) = self.record_outcome(tasks, &task, ran, version).await {
                        notify_status(later.as_deref(), &written, version);
                    }
                    break;
                }
                Either::Right((Either::Left(((), _)), _)) => {
                    if !self.renew_lease(tasks, &task).await {
                        break;
                    }
                }
                Either::Right((Either::Right(((), _)), _)) => break,
            }
        }
        tasks.stop_running(&task.id);
    }

    /// Extends the lease of a running task; `false` when it should stop (cancelled by
    /// another instance, or gone).
    async fn renew_lease(&self, tasks: &Tasks, task: &TaskRecord) -> bool {
        let stored = match tasks.store.get(&task.owner, &task.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return false,
            // A store that fails for a moment does not stop the work; the lease is long
            // enough for the next renewal to try again.
            Err(_) => return true,
        };
        if stored.status != TaskStatus::Working {
            return false;
        }
        let mut next = stored.clone();
        next.lease_until_ms = self
            .runtime()
            .now_unix_ms()
            .saturating_add(tasks.lease_ms());
        next.version += 1;
        // Lost to a concurrent change: the next renewal reads it.
        let _ = tasks.store.replace(&next, stored.version).await;
        true
    }

    /// Writes the outcome, unless the task stopped working meanwhile (a cancellation
    /// stays: the work's result is dropped); the task as written, if it was.
    async fn record_outcome(
        &self,
        tasks: &Tasks,
        task: &TaskRecord,
        ran: Ran,
        version: ProtocolVersion,
    ) -> Option<TaskRecord> {
        for _ in 0..5 {
            let stored = match tasks.store.get(&task.owner, &task.id).await {
                Ok(Some(stored)) => stored,
                Ok(None) => return None,
                Err(err) => {
                    self.log_task_problem(task, "its outcome could not be read back", &err);
                    self.runtime().sleep(Duration::from_millis(200)).await;
                    continue;
                }
            };
            if stored.status != TaskStatus::Working {
                return None;
            }
            let mut next = stored.clone();
            ran.clone()
                .apply(&mut next, version, self.runtime().now_unix_ms());
            match tasks.store.replace(&next, stored.version).await {
                Ok(true) => return Some(next),
                // Changed meanwhile (a lease renewal): read it again.
                Ok(false) => {}
                Err(err) => {
                    self.log_task_problem(task, "its outcome could not be stored", &err);
                    self.runtime().sleep(Duration::from_millis(200)).await;
                }
            }
        }
        None
    }

    fn log_task_problem(&self, task: &TaskRecord, what: &str, err: &crate::Error) {
        self.runtime().log(
            crate::runtime::Severity::Error,
            &format!("task {}: {what}", task.id),
            &[
                ("task_id", json!(task.id)),
                ("tool", json!(task.tool)),
                ("error", json!(err.to_string())),
            ],
        );
    }

    /// Runs the tool of `task` again with the answers it has, after the last input
    /// request was answered; the task is `working` in the store already.
    pub(super) fn resume_task(
        &self,
        task: TaskRecord,
        caller: Admitted,
        version: ProtocolVersion,
        client_capabilities: Option<Map<String, Value>>,
        later: Option<Arc<dyn Notifier>>,
    ) {
        let Some(tasks) = self.inner.tasks.as_ref() else {
            return;
        };
        let Some(tool) = self.tool_named(&task.tool) else {
            return;
        };
        let Ok(cancel) = tasks.start_running(&task.id, &task.owner, false) else {
            return;
        };
        let runtime = self.runtime().clone();
        let deadline_micros = runtime
            .monotonic_micros()
            .saturating_add(millis(tasks.settings.max_duration).saturating_mul(1000));
        let link = Link {
            notes: None,
            later: later.clone(),
            cancel: cancel.clone(),
            deadline_micros,
        };
        let round = Round {
            responses: task.input.responses.clone(),
            state: task.input.state.clone(),
            client_capabilities,
        };
        let cx = RequestContext::new(
            runtime.clone(),
            version,
            None,
            None,
            link,
            round,
            caller,
            self.bare_trace(),
        )
        .for_task(&task.id, cancel.clone(), deadline_micros);
        let work = self.task_work(tool, task.arguments.clone(), cx);
        let server = self.clone();
        let run = server.run_task(task.clone(), work, cancel, version, later);
        if !runtime.spawn(Box::pin(run)) {
            tasks.stop_running(&task.id);
        }
    }
}

/// Tells a session client that a task changed status (2025-11-25's
/// `notifications/tasks/status`, which carries the task and no related-task `_meta`).
pub(super) fn notify_status(
    later: Option<&dyn Notifier>,
    task: &TaskRecord,
    version: ProtocolVersion,
) {
    let Some(later) = later.filter(|_| version.has_core_tasks()) else {
        return;
    };
    later.notify(json!({
        "jsonrpc": "2.0",
        "method": methods::NOTIFICATION_TASK_STATUS,
        "params": super::wire::task_fields(task, version),
    }));
}
