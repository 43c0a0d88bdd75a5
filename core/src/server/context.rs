//! What a handler knows about the request it serves, and how it talks back while it runs.

use crate::auth::Admitted;
use crate::middleware::TraceContext;
use crate::protocol::{methods, LogLevel, ProtocolVersion};
use crate::runtime::Runtime;
use crate::server::{Cancellation, Notifier};
use serde_json::{json, Map, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The context of one request, handed to every tool, resource and prompt handler.
///
/// Cheap to clone. Progress and log notifications sent through it reach the client only
/// when the request asked for them (a `progressToken`, a log level) and the transport can
/// carry them (an SSE response, stdio); otherwise they are dropped without error.
#[derive(Clone)]
pub struct RequestContext {
    inner: Arc<ContextInner>,
}

struct ContextInner {
    runtime: Runtime,
    version: ProtocolVersion,
    progress_token: Option<Value>,
    log_level: Option<LogLevel>,
    link: Link,
    last_progress: Mutex<Option<f64>>,
    round: Round,
    caller: Admitted,
    trace: Arc<TraceContext>,
    /// The task this work belongs to, named in the `_meta` of its notifications.
    related_task: Option<String>,
}

/// What ties a running request to its transport: where its notifications go (when the
/// transport can carry them), the signal that the client cancelled it, and its deadline.
#[derive(Clone)]
pub(crate) struct Link {
    pub(crate) notes: Option<Arc<dyn Notifier>>,
    /// Where notifications go once the answer was sent (a session's [`Notifier`]).
    pub(crate) later: Option<Arc<dyn Notifier>>,
    pub(crate) cancel: Cancellation,
    /// When the message must be answered, on the runtime's monotonic clock (µs).
    pub(crate) deadline_micros: u64,
}

impl Link {
    /// Another message of the same body (a batch item): the same deadline, its own
    /// cancellation, and no notifications.
    pub(crate) fn sibling(&self) -> Link {
        Link {
            notes: None,
            later: self.later.clone(),
            cancel: Cancellation::default(),
            deadline_micros: self.deadline_micros,
        }
    }

    /// The time left before the deadline.
    pub(crate) fn remaining(&self, runtime: &Runtime) -> Duration {
        Duration::from_micros(
            self.deadline_micros
                .saturating_sub(runtime.monotonic_micros()),
        )
    }
}

impl crate::Server {
    /// The link of a message arriving now, whose notifications go to `notes`.
    pub(crate) fn link(&self, notes: Option<Arc<dyn Notifier>>) -> Link {
        let timeout = u64::try_from(self.inner.request_timeout.as_micros()).unwrap_or(u64::MAX);
        Link {
            notes,
            later: None,
            cancel: Cancellation::default(),
            deadline_micros: self.runtime().monotonic_micros().saturating_add(timeout),
        }
    }
}

/// What a retry of a multi-round request (2026-07-28) brings back, and what the client
/// declared it can do.
#[derive(Default, Clone)]
pub(crate) struct Round {
    /// `params.inputResponses`.
    pub(crate) responses: Map<String, Value>,
    /// `params.requestState`, opened and checked.
    pub(crate) state: Option<Value>,
    /// `_meta` client capabilities, on revisions that state them per request.
    pub(crate) client_capabilities: Option<Map<String, Value>>,
}

impl RequestContext {
    // Crate-internal, called from one place; each argument is a separate fact of the request.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        runtime: Runtime,
        version: ProtocolVersion,
        meta: Option<&Map<String, Value>>,
        log_level: Option<LogLevel>,
        link: Link,
        round: Round,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> Self {
        let progress_token = meta
            .and_then(|m| m.get("progressToken"))
            .filter(|t| t.is_string() || t.is_i64() || t.is_u64())
            .cloned();
        RequestContext {
            inner: Arc::new(ContextInner {
                runtime,
                version,
                progress_token,
                log_level,
                link,
                last_progress: Mutex::new(None),
                round,
                caller,
                trace,
                related_task: None,
            }),
        }
    }

    /// This request's context for the work of task `task_id`: the same caller, revision,
    /// answers and progress token, its own cancellation and deadline, and notifications
    /// only where they outlast the answer (a session's [`Notifier`]), tied to the task.
    pub(crate) fn for_task(
        &self,
        task_id: &str,
        cancel: Cancellation,
        deadline_micros: u64,
    ) -> Self {
        let inner = &self.inner;
        RequestContext {
            inner: Arc::new(ContextInner {
                runtime: inner.runtime.clone(),
                version: inner.version,
                progress_token: inner.progress_token.clone(),
                log_level: inner.log_level,
                link: Link {
                    notes: None,
                    later: inner.link.later.clone(),
                    cancel,
                    deadline_micros,
                },
                last_progress: Mutex::new(None),
                round: inner.round.clone(),
                caller: inner.caller.clone(),
                trace: inner.trace.clone(),
                related_task: Some(task_id.to_owned()),
            }),
        }
    }

    /// Where notifications of this request go once it is answered, if anywhere.
    pub(crate) fn later(&self) -> Option<Arc<dyn Notifier>> {
        self.inner.link.later.clone()
    }

    /// Sends a notification where this request's notifications go: its own stream while
    /// it runs, or the session's notifier for the work of a task. `false` when neither.
    fn deliver(&self, method: &str, mut params: Map<String, Value>) -> bool {
        if let Some(task) = &self.inner.related_task {
            params.insert(
                "_meta".into(),
                json!({crate::protocol::META_RELATED_TASK: {"taskId": task}}),
            );
        }
        let message = notification(method, params);
        match self
            .inner
            .link
            .notes
            .as_ref()
            .or(self.inner.link.later.as_ref())
        {
            Some(sink) => {
                sink.notify(message);
                true
            }
            None => false,
        }
    }

    fn can_notify(&self) -> bool {
        self.inner.link.notes.is_some() || self.inner.link.later.is_some()
    }

    /// The host's clock, timer and random source.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }

    /// The revision this request speaks.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.inner.version
    }

    /// The verified caller, when the server has access control and the transport brought a
    /// valid token (or an identity it verified); `None` when access control does not apply
    /// (no [`Auth`](crate::auth::Auth), or a trusted transport such as stdio).
    pub fn identity(&self) -> Option<&crate::auth::Identity> {
        self.inner.caller.as_deref()
    }

    /// The id this request is logged under (and returned to HTTP clients as
    /// `X-Request-Id`).
    pub fn request_id(&self) -> &str {
        self.inner.trace.request_id()
    }

    /// The request's trace context: send [`TraceContext::traceparent`] on the calls a
    /// handler makes to other services, so they join the trace.
    pub fn trace(&self) -> &TraceContext {
        &self.inner.trace
    }

    /// The caller as admitted, for sealing state to it.
    pub(crate) fn admitted(&self) -> Admitted {
        self.inner.caller.clone()
    }

    /// The client's answer to the input request `key` of an earlier round
    /// ([`InputRequired`](crate::tool::InputRequired)), if this call is a retry that
    /// carries one. Check its shape: it comes from the client.
    pub fn input_response(&self, key: &str) -> Option<&Value> {
        self.inner.round.responses.get(key)
    }

    /// Whether this call carries any answers to input requests.
    pub fn has_input_responses(&self) -> bool {
        !self.inner.round.responses.is_empty()
    }

    /// The state the tool kept in its last [`InputRequired`](crate::tool::InputRequired),
    /// back unaltered (the server checked its seal), if this call is a retry.
    pub fn request_state(&self) -> Option<&Value> {
        self.inner.round.state.as_ref()
    }

    /// Whether the client declared `capability` (`sampling`, `elicitation`, `roots`) on
    /// this request; `None` on revisions that negotiate capabilities once per session
    /// instead, which a stateless server does not keep.
    pub fn client_supports(&self, capability: &str) -> Option<bool> {
        self.inner
            .round
            .client_capabilities
            .as_ref()
            .map(|caps| caps.contains_key(capability))
    }

    /// Whether the client cancelled this request (`notifications/cancelled` on a session
    /// transport). A long handler checks it between steps and stops early; the server sends
    /// no answer to a cancelled request either way.
    pub fn is_cancelled(&self) -> bool {
        self.inner.link.cancel.is_cancelled()
    }

    /// A future that completes when the client cancels this request, for racing slow work
    /// against it. It never completes on transports that cannot cancel (plain HTTP: there
    /// the server drops the request when the client disconnects).
    ///
    /// ```
    /// use edgemcp::{RequestContext, Result};
    /// use futures_util::future::{select, Either};
    ///
    /// async fn slow_step() -> u64 { 42 }
    ///
    /// async fn run(cx: RequestContext) -> Result<Option<u64>> {
    ///     let step = std::pin::pin!(slow_step());
    ///     Ok(match select(step, cx.cancelled()).await {
    ///         Either::Left((value, _)) => Some(value),
    ///         Either::Right(_) => None, // the client went away: stop here
    ///     })
    /// }
    /// # let _ = run;
    /// ```
    pub fn cancelled(&self) -> crate::server::Cancelled {
        self.inner.link.cancel.cancelled()
    }

    /// The time left before this request's deadline (see
    /// [`ServerBuilder::request_timeout`](crate::ServerBuilder::request_timeout)). Bound
    /// slow calls to it, for instance with [`Runtime::within`].
    pub fn remaining(&self) -> Duration {
        self.inner.link.remaining(&self.inner.runtime)
    }

    /// Whether the client asked for progress on this request.
    pub fn wants_progress(&self) -> bool {
        self.inner.progress_token.is_some() && self.can_notify()
    }

    /// Reports progress. `progress` must grow from call to call; values that do not are
    /// dropped, as the protocol requires.
    pub fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let Some(token) = self
            .inner
            .progress_token
            .as_ref()
            .filter(|_| self.can_notify())
        else {
            return;
        };
        if let Ok(mut last) = self.inner.last_progress.lock() {
            if last.is_some_and(|last| progress <= last) {
                return;
            }
            *last = Some(progress);
        }
        let mut params = Map::new();
        params.insert("progressToken".into(), token.clone());
        params.insert("progress".into(), json!(progress));
        if let Some(total) = total {
            params.insert("total".into(), json!(total));
        }
        if let Some(message) = message {
            params.insert("message".into(), json!(message));
        }
        self.deliver(methods::NOTIFICATION_PROGRESS, params);
    }

    /// Sends a log message, if the client asked for this level or a lower one.
    pub fn log(&self, level: LogLevel, logger: Option<&str>, data: Value) {
        let Some(min) = self.inner.log_level.filter(|_| self.can_notify()) else {
            return;
        };
        if level < min {
            return;
        }
        let mut params = Map::new();
        params.insert("level".into(), json!(level));
        if let Some(logger) = logger {
            params.insert("logger".into(), json!(logger));
        }
        params.insert("data".into(), data);
        self.deliver(methods::NOTIFICATION_MESSAGE, params);
    }
}

fn notification(method: &str, params: Map<String, Value>) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("version", &self.inner.version)
            .finish_non_exhaustive()
    }
}
