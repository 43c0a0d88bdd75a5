//! Tasks kept elsewhere: a server that cannot keep tasks itself (a Worker isolate, which
//! does not outlive its request) hands task calls and task methods, once it admitted the
//! caller, to a server that can (a Durable Object), which answers them as its own.

use super::owner_of;
use crate::auth::{Admitted, Identity};
use crate::jsonrpc::ErrorObject;
use crate::protocol::ProtocolVersion;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::server::reply::{Failure, Params};
use crate::server::Server;
use crate::Result;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Where a server sends the task calls and task methods it does not keep itself.
///
/// `job` is a JSON object a [`Server::answer_delegated`] on the other side takes as it
/// is; the answer is what that returns. `owner` names whose tasks the job touches (the
/// verified caller and tenant), so a delegate may keep each owner's tasks in a place of
/// their own.
///
/// The other side trusts the job's caller: connect the two only by a channel nobody else
/// can reach (a Durable Object binding is reachable only from its own Worker).
pub trait TaskDelegate: MaybeSend + MaybeSync {
    /// Sends `job` and returns the answer.
    fn delegate(&self, owner: &str, job: Value) -> BoxFuture<'static, Result<Value>>;
}

impl Server {
    /// Whether calls may run as tasks here, kept by this server or by its delegate.
    pub(crate) fn offers_tasks(&self) -> bool {
        self.inner.tasks.is_some() || self.inner.task_delegate.is_some()
    }

    /// Whether a `tools/call` goes to the delegate: it runs as a task and this server
    /// keeps none itself.
    pub(crate) fn delegates_call(
        &self,
        params: &Params,
        version: ProtocolVersion,
    ) -> std::result::Result<bool, Failure> {
        if self.inner.task_delegate.is_none() || self.inner.tasks.is_some() {
            return Ok(false);
        }
        let Some(tool) = params
            .get("name")
            .and_then(Value::as_str)
            .and_then(|name| self.tool_named(name))
        else {
            return Ok(false);
        };
        Ok(matches!(
            self.task_mode(tool, params, version)?,
            super::TaskMode::Task { .. }
        ))
    }

    /// Hands `method` to the delegate and returns its answer.
    pub(crate) async fn delegate(
        &self,
        method: &str,
        params: Params,
        version: ProtocolVersion,
        caller: &Admitted,
    ) -> std::result::Result<Params, Failure> {
        let Some(delegate) = self.inner.task_delegate.clone() else {
            return Err(Failure::invalid_params("This server keeps no tasks."));
        };
        let job = json!({
            "method": method,
            "params": params,
            "version": version.as_str(),
            "caller": caller.as_deref(),
        });
        let answer = delegate.delegate(&owner_of(caller), job).await?;
        match (answer.get("result"), answer.get("error")) {
            (Some(Value::Object(result)), _) => Ok(result.clone()),
            (_, Some(error)) => {
                let status = answer
                    .get("status")
                    .and_then(Value::as_u64)
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(200);
                let error = serde_json::from_value::<ErrorObject>(error.clone()).map_err(|e| {
                    crate::Error::internal(format!("the task delegate's error is malformed: {e}"))
                })?;
                Err(Failure::Refused { error, status })
            }
            _ => Err(Failure::Internal(crate::Error::internal(
                "the task delegate answered neither a result nor an error",
            ))),
        }
    }

    /// Answers a job another server's [`TaskDelegate`] sent: the method runs here, as the
    /// job's caller (already admitted by the sender), and the answer goes back as
    /// `{"result": …}` or `{"error": …, "status": …}`.
    ///
    /// Only answer jobs from a channel nobody but the sending server can reach: the
    /// caller is not checked again.
    pub async fn answer_delegated(&self, job: &Value) -> Value {
        match self.run_delegated(job).await {
            Ok(result) => json!({"result": result}),
            Err(failure) => {
                let reply = failure.into_reply(None);
                let error = reply
                    .response
                    .outcome
                    .err()
                    .map_or(Value::Null, |e| json!(e));
                json!({"error": error, "status": reply.http_status})
            }
        }
    }

    async fn run_delegated(&self, job: &Value) -> std::result::Result<Params, Failure> {
        let malformed = |what: &str| {
            Failure::Internal(crate::Error::internal(format!(
                "a delegated task job has no valid `{what}`"
            )))
        };
        let method = job
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("method"))?;
        let params: Map<String, Value> = job
            .get("params")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| malformed("params"))?;
        let version: ProtocolVersion = job
            .get("version")
            .and_then(Value::as_str)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| malformed("version"))?;
        let caller: Admitted = match job.get("caller") {
            None | Some(Value::Null) => None,
            Some(who) => Some(Arc::new(
                serde_json::from_value::<Identity>(who.clone()).map_err(|_| malformed("caller"))?,
            )),
        };
        let link = self.link(None);
        self.call(method, params, version, link, caller, self.bare_trace())
            .await
    }
}
