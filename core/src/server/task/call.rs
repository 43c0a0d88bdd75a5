//! Whether a `tools/call` becomes a task, and starting it.

use super::run::Ran;
use super::{millis, owner_of, wire, Tasks};
use crate::jsonrpc::{describe, ErrorObject, METHOD_NOT_FOUND};
use crate::protocol::{codes, ProtocolVersion, EXTENSION_TASKS, META_CLIENT_CAPABILITIES};
use crate::server::reply::{as_params, Failure, Params};
use crate::server::Server;
use crate::storage::{TaskInput, TaskRecord, TaskStatus};
use crate::tool::{TaskSupport, Tool};
use crate::RequestContext;
use serde_json::{json, Value};

/// How a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskMode {
    /// Within its request, as every call without tasks.
    Direct,
    /// As a task, kept for the time to live the client asked for (`asked_ttl_ms`, within
    /// the server's limits); `may_answer` when a call that finishes at once may be
    /// answered directly instead (an optional task on 2026-07-28).
    Task {
        asked_ttl_ms: Option<u64>,
        may_answer: bool,
    },
}

impl Server {
    /// Decides how a call of `tool` runs, or refuses it: a tool that runs only as a task
    /// called by a client that cannot take one, or a task asked of a tool that forbids it.
    pub(crate) fn task_mode(
        &self,
        tool: &Tool,
        params: &Params,
        version: ProtocolVersion,
    ) -> Result<TaskMode, Failure> {
        if !self.offers_tasks() {
            return Ok(TaskMode::Direct);
        }
        let support = tool.task_support;
        if version.has_core_tasks() {
            return match params.get("task") {
                None | Some(Value::Null) if support == TaskSupport::Required => {
                    Err(Failure::rpc(ErrorObject::new(
                        METHOD_NOT_FOUND,
                        format!(
                            "Tool `{}` runs only as a task; call it with a `task` parameter such as {{\"ttl\": 60000}}.",
                            tool.name
                        ),
                    )))
                }
                None | Some(Value::Null) => Ok(TaskMode::Direct),
                Some(_) if support == TaskSupport::Forbidden => Err(Failure::rpc(ErrorObject::new(
                    METHOD_NOT_FOUND,
                    format!(
                        "Tool `{}` does not run as a task; call it without the `task` parameter.",
                        tool.name
                    ),
                ))),
                Some(Value::Object(task)) => {
                    let asked = match task.get("ttl") {
                        None | Some(Value::Null) => None,
                        Some(ttl) => Some(ttl.as_u64().ok_or_else(|| {
                            Failure::invalid_params(format!(
                                "`task.ttl` must be a whole number of milliseconds, received {}.",
                                describe(ttl)
                            ))
                        })?),
                    };
                    Ok(TaskMode::Task {
                        asked_ttl_ms: asked,
                        may_answer: false,
                    })
                }
                Some(other) => Err(Failure::invalid_params(format!(
                    "`task` must be an object such as {{\"ttl\": 60000}}, received {}.",
                    describe(other)
                ))),
            };
        }
        if version.has_task_extension() {
            // The server decides, for clients that declare the extension on this request;
            // a legacy `task` parameter is ignored.
            let declared = declares_task_extension(params);
            return match support {
                TaskSupport::Forbidden => Ok(TaskMode::Direct),
                TaskSupport::Optional if !declared => Ok(TaskMode::Direct),
                TaskSupport::Required if !declared => Err(missing_task_extension(format!(
                    "Tool `{}` runs only as a task, and this request does not declare the {EXTENSION_TASKS} extension.",
                    tool.name
                ))),
                TaskSupport::Optional | TaskSupport::Required => Ok(TaskMode::Task {
                    asked_ttl_ms: None,
                    may_answer: support == TaskSupport::Optional,
                }),
            };
        }
        match support {
            TaskSupport::Required => Err(Failure::rpc(ErrorObject::new(
                METHOD_NOT_FOUND,
                format!(
                    "Tool `{}` runs only as a task, which protocol version {version} does not have; use 2025-11-25 or later.",
                    tool.name
                ),
            ))),
            TaskSupport::Forbidden | TaskSupport::Optional => Ok(TaskMode::Direct),
        }
    }

    /// Runs a call as a task: the work starts here, and once it outlasts
    /// [`answer_within`](super::TaskSettings::answer_within) it goes on after the
    /// response, which is the new task.
    pub(crate) async fn call_as_task(
        &self,
        tool: &Tool,
        args: Value,
        cx: RequestContext,
        asked_ttl_ms: Option<u64>,
        may_answer: bool,
    ) -> Result<Params, Failure> {
        let Some(tasks) = self.inner.tasks.as_ref() else {
            return Err(Failure::Internal(crate::Error::config(
                "a task was started on a server without a task store",
            )));
        };
        let ttl_ms = Some(tasks.ttl_for(asked_ttl_ms));
        let version = cx.protocol_version();
        let caller = cx.admitted();
        let runtime = self.runtime().clone();
        let mut id_bytes = [0u8; 16];
        runtime.fill_random(&mut id_bytes)?;
        let id = crate::util::hex(&id_bytes);
        let owner = owner_of(&caller);
        let cancel = tasks
            .start_running(&id, &owner, true)
            .map_err(|running| too_many_running(running, &tool.name))?;
        let deadline = runtime
            .monotonic_micros()
            .saturating_add(millis(tasks.settings.max_duration).saturating_mul(1000));
        let later = cx.later();
        let task_cx = cx.for_task(&id, cancel.clone(), deadline);
        let mut work = self.task_work(tool, args.clone(), task_cx);
        let early = runtime
            .within(tasks.settings.answer_within, &mut work)
            .await;
        let now = runtime.now_unix_ms();
        let mut task = new_record(tasks, id, owner, tool, args, ttl_ms, now);
        let spawn_work = match early {
            Some(Ran::Input(input)) if version.has_task_extension() => {
                // Input asked before the task exists is asked synchronously (a multi-round
                // request), as the extension prefers.
                tasks.stop_running(&task.id);
                return Ok(self.input_required(input, &tool.name, version, &caller));
            }
            Some(ran) if may_answer => {
                tasks.stop_running(&task.id);
                return Ok(as_params(ran.into_direct_result()));
            }
            Some(ran) => {
                tasks.stop_running(&task.id);
                ran.apply(&mut task, version, now);
                None
            }
            None => Some(work),
        };
        self.purge_expired_tasks(tasks, now).await;
        if let Err(err) = tasks.store.create(&task).await {
            tasks.stop_running(&task.id);
            return Err(err.into());
        }
        if let Some(work) = spawn_work {
            let server = self.clone();
            let created = task.clone();
            let run = server.run_task(created, work, cancel, version, later);
            if !runtime.spawn(Box::pin(run)) {
                tasks.stop_running(&task.id);
            }
        }
        Ok(wire::created(&task, version))
    }

    /// Deletes expired tasks; a failure is only logged, as it costs nothing but space.
    async fn purge_expired_tasks(&self, tasks: &Tasks, now: u64) {
        if let Err(err) = tasks.store.purge_expired(now).await {
            self.runtime().log(
                crate::runtime::Severity::Warn,
                "expired tasks were not purged",
                &[("error", json!(err.to_string()))],
            );
        }
    }
}

impl Tasks {
    /// The time to live a task gets when the client asks for `asked` ms.
    fn ttl_for(&self, asked: Option<u64>) -> u64 {
        asked
            .unwrap_or_else(|| millis(self.settings.default_ttl))
            .min(millis(self.settings.max_ttl))
            .max(1)
    }
}

fn new_record(
    tasks: &Tasks,
    id: String,
    owner: String,
    tool: &Tool,
    arguments: Value,
    ttl_ms: Option<u64>,
    now: u64,
) -> TaskRecord {
    TaskRecord {
        id,
        owner,
        tool: tool.name.clone(),
        arguments,
        status: TaskStatus::Working,
        status_message: None,
        created_ms: now,
        updated_ms: now,
        ttl_ms,
        expires_ms: ttl_ms.map_or(u64::MAX, |ttl| now.saturating_add(ttl)),
        poll_interval_ms: millis(tasks.settings.poll_interval).max(1),
        lease_until_ms: now.saturating_add(tasks.lease_ms()),
        version: 0,
        input: TaskInput::default(),
        result: None,
        error: None,
    }
}

/// The refusal of a task beyond the caller's running tasks: 429 with the rate-limit code,
/// like any other limit.
fn too_many_running(running: usize, tool: &str) -> Failure {
    Failure::Refused {
        error: ErrorObject::new(
            crate::middleware::RATE_LIMITED,
            format!(
                "`{tool}` was not started: this caller already runs {running} tasks, the most it may; wait for one to end (tasks/get) or cancel one, then call again."
            ),
        )
        .with_data(json!({"retryAfterSeconds": 1})),
        status: 429,
    }
}

/// Whether a request's client capabilities declare the tasks extension (2026-07-28).
pub(crate) fn declares_task_extension(params: &Params) -> bool {
    params
        .get("_meta")
        .and_then(|m| m.get(META_CLIENT_CAPABILITIES))
        .and_then(|c| c.get("extensions"))
        .and_then(|e| e.get(EXTENSION_TASKS))
        .is_some()
}

/// The -32021 refusal of a client that did not declare the tasks extension.
pub(crate) fn missing_task_extension(message: String) -> Failure {
    Failure::bad_request(
        ErrorObject::new(codes::MISSING_CLIENT_CAPABILITY, message)
            .with_data(json!({"requiredCapabilities": {"extensions": {EXTENSION_TASKS: {}}}})),
    )
}
