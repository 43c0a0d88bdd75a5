//! `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` and `tasks/update`.

use super::call::{declares_task_extension, missing_task_extension};
use super::run::error_value;
use super::{owner_of, wire, Tasks};
use crate::auth::Admitted;
use crate::jsonrpc::{describe, ErrorObject, INTERNAL_ERROR, INVALID_PARAMS};
use crate::protocol::{methods, ProtocolVersion, EXTENSION_TASKS, META_CLIENT_CAPABILITIES};
use crate::server::reply::{as_params, Failure, Params};
use crate::server::{Link, Server};
use crate::storage::{TaskCursor, TaskRecord, TaskStatus};
use crate::tool::ToolResult;
use crate::util::{decode_cursor, encode_cursor};
use serde_json::{json, Map, Value};
use std::time::Duration;

impl Server {
    /// Whether `method` is a task method this server answers in `version`.
    pub(crate) fn offers_task_method(&self, method: &str, version: ProtocolVersion) -> bool {
        if !self.offers_tasks() {
            return false;
        }
        match method {
            methods::TASKS_GET | methods::TASKS_CANCEL => {
                version.has_core_tasks() || version.has_task_extension()
            }
            methods::TASKS_RESULT => version.has_core_tasks(),
            // Listing needs to tell callers apart (see `task_capabilities`).
            methods::TASKS_LIST => version.has_core_tasks() && self.inner.auth.is_some(),
            methods::TASKS_UPDATE => version.has_task_extension(),
            _ => false,
        }
    }

    /// What `initialize` (2025-11-25) or `server/discover` (2026-07-28) adds to the
    /// capabilities for tasks.
    pub(crate) fn add_task_capabilities(&self, caps: &mut Value, version: ProtocolVersion) {
        let Some(caps) = caps.as_object_mut().filter(|_| self.offers_tasks()) else {
            return;
        };
        if version.has_core_tasks() {
            let mut tasks = Map::new();
            // Without access control every caller is the same requestor, so one could
            // list another's tasks: listing is offered only where callers are told apart.
            if self.inner.auth.is_some() {
                tasks.insert("list".into(), json!({}));
            }
            tasks.insert("cancel".into(), json!({}));
            tasks.insert("requests".into(), json!({"tools": {"call": {}}}));
            caps.insert("tasks".into(), Value::Object(tasks));
        } else if version.has_task_extension() {
            let extensions = caps
                .entry("extensions")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(extensions) = extensions.as_object_mut() {
                extensions.insert(EXTENSION_TASKS.into(), json!({}));
            }
        }
    }

    /// Answers a task method (one [`offers_task_method`](Self::offers_task_method) accepts).
    pub(crate) async fn task_method(
        &self,
        method: &str,
        params: &Params,
        version: ProtocolVersion,
        link: &Link,
        caller: Admitted,
    ) -> Result<Params, Failure> {
        // Before the task is looked up: a client without the extension learns that, not
        // whether a task exists.
        if version.has_task_extension() && !declares_task_extension(params) {
            return Err(missing_task_extension(format!(
                "{method} needs the {EXTENSION_TASKS} extension, which this request does not declare."
            )));
        }
        let Some(tasks) = self.inner.tasks.as_ref() else {
            return self
                .delegate(method, params.clone(), version, &caller)
                .await;
        };
        let owner = owner_of(&caller);
        if method == methods::TASKS_LIST {
            return self.list_tasks(tasks, &owner, params, version).await;
        }
        let id = match params.get("taskId") {
            Some(Value::String(id)) => id.as_str(),
            other => {
                return Err(Failure::invalid_params(format!(
                    "`taskId` must be the id of a task, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let task = self.find_task(tasks, &owner, id).await?;
        match method {
            methods::TASKS_GET => Ok(wire::detailed(&task, version)),
            methods::TASKS_RESULT => self.await_result(tasks, task, link).await,
            methods::TASKS_CANCEL => self.cancel_task(tasks, task, version, link).await,
            _ => {
                self.update_task(tasks, task, params, version, caller, link)
                    .await
            }
        }
    }

    /// The caller's task `id`, as it stands now: -32602 when there is none for this caller
    /// (or it expired); a running task whose lease ran out is failed first.
    async fn find_task(&self, tasks: &Tasks, owner: &str, id: &str) -> Result<TaskRecord, Failure> {
        let now = self.runtime().now_unix_ms();
        let Some(task) = tasks.store.get(owner, id).await? else {
            return Err(Failure::invalid_params(format!(
                "Failed to retrieve task: Task not found ({id}). Call tasks/list, or start the call again."
            )));
        };
        if task.is_expired(now) {
            return Err(Failure::invalid_params(format!(
                "Failed to retrieve task: Task has expired ({id}); its result is gone. Start the call again."
            )));
        }
        self.fail_if_abandoned(tasks, task, now).await
    }

    /// Fails a `working` task whose runner stopped renewing its lease.
    async fn fail_if_abandoned(
        &self,
        tasks: &Tasks,
        task: TaskRecord,
        now: u64,
    ) -> Result<TaskRecord, Failure> {
        if task.status != TaskStatus::Working || now < task.lease_until_ms {
            return Ok(task);
        }
        let message =
            "The server running this task stopped before it finished; call the tool again.";
        let mut next = task.clone();
        next.status = TaskStatus::Failed;
        next.status_message = Some(message.to_owned());
        next.error = Some(error_value(ErrorObject::new(INTERNAL_ERROR, message)));
        next.updated_ms = now;
        next.version += 1;
        if tasks.store.replace(&next, task.version).await? {
            return Ok(next);
        }
        // Someone else changed it meanwhile (its outcome arrived): read what they wrote.
        tasks
            .store
            .get(&task.owner, &task.id)
            .await?
            .ok_or_else(|| Failure::invalid_params("Failed to retrieve task: Task not found."))
    }

    /// `tasks/result` (2025-11-25): waits for the task to end, within the request's
    /// deadline, and returns what the call would have returned.
    async fn await_result(
        &self,
        tasks: &Tasks,
        mut task: TaskRecord,
        link: &Link,
    ) -> Result<Params, Failure> {
        let poll = Duration::from_millis(task.poll_interval_ms.clamp(50, 1000));
        while !task.status.is_terminal() {
            if link.remaining(self.runtime()) <= poll {
                return Err(Failure::rpc(
                    ErrorObject::new(
                        INTERNAL_ERROR,
                        format!(
                            "Task {} is still {} at the end of this request's time; call tasks/result again.",
                            task.id,
                            task.status.as_str()
                        ),
                    )
                    .with_data(json!({"taskId": task.id, "status": task.status.as_str()})),
                ));
            }
            self.runtime().sleep(poll).await;
            task = self.find_task(tasks, &task.owner, &task.id).await?;
        }
        let result = match (&task.result, &task.error, task.status) {
            (Some(result), _, _) => result.clone(),
            (None, Some(error), _) => {
                let error = serde_json::from_value::<ErrorObject>(error.clone())
                    .unwrap_or_else(|_| ErrorObject::new(INTERNAL_ERROR, "The task failed."));
                return Err(Failure::rpc(error.with_data(
                    json!({"taskId": task.id, "_meta": wire::related_meta(&task)}),
                )));
            }
            _ => ToolResult::error("The task was cancelled before it finished.").into_value(true),
        };
        let mut out = as_params(result);
        out.insert("_meta".into(), wire::related_meta(&task));
        Ok(out)
    }

    /// `tasks/list` (2025-11-25): the caller's tasks, newest first.
    async fn list_tasks(
        &self,
        tasks: &Tasks,
        owner: &str,
        params: &Params,
        version: ProtocolVersion,
    ) -> Result<Params, Failure> {
        let after = match params.get("cursor") {
            None | Some(Value::Null) => None,
            Some(Value::String(cursor)) => Some(decode_task_cursor(cursor).ok_or_else(|| {
                Failure::invalid_params(format!(
                    "The cursor {cursor:?} is not one this server issued for tasks/list; list again without it."
                ))
            })?),
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`cursor` must be a string, received {}.",
                    describe(other)
                )))
            }
        };
        let page = self.inner.page_size.max(1);
        let now = self.runtime().now_unix_ms();
        // One more than a page, to know whether another follows.
        let mut found = tasks
            .store
            .list(owner, after.as_ref(), page.saturating_add(1))
            .await?;
        let more = found.len() > page;
        found.truncate(page);
        let last = found.last().map(|t| TaskCursor {
            created_ms: t.created_ms,
            id: t.id.clone(),
        });
        let mut listed = Vec::with_capacity(found.len());
        for task in found.into_iter().filter(|t| !t.is_expired(now)) {
            let task = self.fail_if_abandoned(tasks, task, now).await?;
            listed.push(Value::Object(wire::task_fields(&task, version)));
        }
        let mut out = Map::new();
        out.insert("tasks".into(), Value::Array(listed));
        if let (true, Some(last)) = (more, last) {
            out.insert("nextCursor".into(), json!(encode_task_cursor(&last)));
        }
        Ok(out)
    }

    /// `tasks/cancel`: a cancelled task stays cancelled, whatever its work does next.
    async fn cancel_task(
        &self,
        tasks: &Tasks,
        mut task: TaskRecord,
        version: ProtocolVersion,
        link: &Link,
    ) -> Result<Params, Failure> {
        for _ in 0..5 {
            if task.status.is_terminal() {
                if version.has_task_extension() {
                    return Ok(Map::new());
                }
                let shown = wire::task_fields(&task, version);
                let status = shown.get("status").and_then(Value::as_str).unwrap_or("");
                return Err(Failure::rpc(ErrorObject::new(
                    INVALID_PARAMS,
                    format!("Cannot cancel task: already in terminal status '{status}'."),
                )));
            }
            let mut next = task.clone();
            next.status = TaskStatus::Cancelled;
            next.status_message = Some("Cancelled by the client.".to_owned());
            next.input.requests.clear();
            next.updated_ms = self.runtime().now_unix_ms();
            next.version += 1;
            if tasks.store.replace(&next, task.version).await? {
                tasks.cancel_running(&next.id);
                super::run::notify_status(link.later.as_deref(), &next, version);
                return Ok(if version.has_task_extension() {
                    Map::new()
                } else {
                    wire::task_fields(&next, version)
                });
            }
            task = self.find_task(tasks, &task.owner, &task.id).await?;
        }
        Err(Failure::Internal(crate::Error::storage(
            "the task kept changing while it was being cancelled; send tasks/cancel again",
        )))
    }

    /// `tasks/update` (2026-07-28): takes the answers to the task's outstanding input
    /// requests (unknown or already answered keys are ignored); once none is left, the
    /// work runs again with every answer.
    async fn update_task(
        &self,
        tasks: &Tasks,
        mut task: TaskRecord,
        params: &Params,
        version: ProtocolVersion,
        caller: Admitted,
        link: &Link,
    ) -> Result<Params, Failure> {
        let answers = match params.get("inputResponses") {
            Some(Value::Object(answers)) => answers,
            other => {
                return Err(Failure::invalid_params(format!(
                    "`inputResponses` must be an object of answers by request key, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        for _ in 0..5 {
            let mut next = task.clone();
            let mut answered = false;
            for (key, answer) in answers {
                if next.input.requests.remove(key).is_some() {
                    next.input.responses.insert(key.clone(), answer.clone());
                    answered = true;
                }
            }
            if task.status != TaskStatus::InputRequired || !answered {
                return Ok(Map::new());
            }
            let now = self.runtime().now_unix_ms();
            let resume = next.input.requests.is_empty();
            if resume {
                next.status = TaskStatus::Working;
                next.status_message = None;
                next.lease_until_ms = now.saturating_add(tasks.lease_ms());
            }
            next.updated_ms = now;
            next.version += 1;
            if tasks.store.replace(&next, task.version).await? {
                if resume {
                    let client_capabilities = params
                        .get("_meta")
                        .and_then(|m| m.get(META_CLIENT_CAPABILITIES))
                        .and_then(Value::as_object)
                        .cloned();
                    let later = link.later.clone();
                    self.resume_task(next, caller, version, client_capabilities, later);
                }
                return Ok(Map::new());
            }
            task = self.find_task(tasks, &task.owner, &task.id).await?;
        }
        Err(Failure::Internal(crate::Error::storage(
            "the task kept changing while its answers were stored; send tasks/update again",
        )))
    }
}

fn encode_task_cursor(cursor: &TaskCursor) -> String {
    encode_cursor("tasks", &format!("{}:{}", cursor.created_ms, cursor.id))
}

fn decode_task_cursor(text: &str) -> Option<TaskCursor> {
    let position = decode_cursor("tasks", text)?;
    let (created, id) = position.split_once(':')?;
    Some(TaskCursor {
        created_ms: created.parse().ok()?,
        id: id.to_owned(),
    })
}
