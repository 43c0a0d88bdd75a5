//! Session transports: one client on one long-lived channel (stdio, a message port), where
//! the revision `initialize` negotiated holds for later messages and a client can cancel
//! what it asked for.

use super::reply::unanswered;
use super::{Cancellation, Outcome, Server};
use crate::auth::{Admission, Caller};
use crate::jsonrpc::{Incoming, Message, RequestId};
use crate::protocol::{methods, ProtocolVersion};
use crate::runtime::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a session transport keeps between messages: the negotiated revision and the
/// requests still running, so that `notifications/cancelled` can stop them.
///
/// Make one per connection and hand every message to [`Server::start_in_session`].
///
/// ```
/// use edgemcp::{jsonrpc, Caller, Outcome, Server, Session, runtime::Runtime};
/// use std::sync::Arc;
///
/// let server = Server::builder("demo", "1.0.0").build(Runtime::for_tests(0)).unwrap();
/// let session = Arc::new(Session::new());
/// let line = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}"#;
/// let answer = server.start_in_session(&session, jsonrpc::parse(line), None, Caller::trusted());
/// let outcome = futures_executor::block_on(answer);
/// assert!(matches!(outcome, Outcome::One(_)));
/// assert_eq!(session.protocol_version().map(|v| v.as_str()), Some("2025-11-25"));
/// ```
#[derive(Default)]
pub struct Session {
    version: Mutex<Option<ProtocolVersion>>,
    running: Mutex<HashMap<RequestId, Cancellation>>,
    notifier: Option<Arc<dyn Notifier>>,
}

/// Where a session's notifications go once the request they belong to was answered: the
/// progress, logs and status changes of tasks, whose work outlasts its request. Any
/// `Fn(Value)` is one.
pub trait Notifier: crate::runtime::MaybeSend + crate::runtime::MaybeSync {
    /// Sends `message`, a JSON-RPC notification, to the client.
    fn notify(&self, message: Value);
}

impl<F> Notifier for F
where
    F: Fn(Value) + crate::runtime::MaybeSend + crate::runtime::MaybeSync,
{
    fn notify(&self, message: Value) {
        self(message)
    }
}

impl Session {
    /// A session before `initialize`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends the notifications that come after their request's answer (a task's progress,
    /// logs and status) to `notifier`, for transports that stay open, such as stdio.
    /// Without one they are dropped.
    ///
    /// ```
    /// use edgemcp::Session;
    ///
    /// let session = Session::new().with_notifier(|note: serde_json::Value| println!("{note}"));
    /// # let _ = session;
    /// ```
    pub fn with_notifier(mut self, notifier: impl Notifier + 'static) -> Self {
        self.notifier = Some(Arc::new(notifier));
        self
    }

    /// The revision `initialize` negotiated, once it has.
    pub fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.version.lock().ok().and_then(|v| *v)
    }

    /// How many requests are running.
    pub fn in_flight(&self) -> usize {
        self.running.lock().map_or(0, |r| r.len())
    }

    /// Cancels the running request `id`; an id that is not running (finished already, or
    /// never seen) is ignored, as the protocol asks.
    pub fn cancel(&self, id: &RequestId) {
        let signal = self.running.lock().ok().and_then(|mut r| r.remove(id));
        if let Some(signal) = signal {
            signal.cancel();
        }
    }

    fn register(self: &Arc<Self>, id: RequestId, signal: Cancellation) -> Registered {
        if let Ok(mut running) = self.running.lock() {
            running.insert(id.clone(), signal.clone());
        }
        Registered {
            session: self.clone(),
            id,
            signal,
        }
    }

    fn settle(&self, outcome: &Outcome) {
        if let Outcome::One(reply) = outcome {
            if let Some(negotiated) = reply.negotiated_version() {
                if let Ok(mut version) = self.version.lock() {
                    *version = Some(negotiated);
                }
            }
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("version", &self.protocol_version())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

/// A running request's entry; leaving it (finished, cancelled or dropped) removes the
/// entry, unless a later request reused the id.
struct Registered {
    session: Arc<Session>,
    id: RequestId,
    signal: Cancellation,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut running) = self.session.running.lock() {
            if running
                .get(&self.id)
                .is_some_and(|s| s.same_as(&self.signal))
            {
                running.remove(&self.id);
            }
        }
    }
}

impl Server {
    /// Starts handling one message of `session` from `caller` and returns the future of
    /// its outcome.
    ///
    /// # Behavior
    /// - A request is registered before this returns, so a `notifications/cancelled` for
    ///   it that the transport reads next always finds it: the request's handler is
    ///   dropped and the outcome is [`Outcome::Accepted`] (a cancelled request gets no
    ///   response).
    /// - `notifications/cancelled` itself takes effect at once.
    /// - Requests without their own revision speak the one `initialize` negotiated.
    /// - `sink` receives the request's progress and log notifications.
    /// - Requests in a batch are not cancellable one by one.
    pub fn start_in_session(
        &self,
        session: &Arc<Session>,
        incoming: Incoming,
        sink: Option<Arc<dyn Notifier>>,
        caller: Caller,
    ) -> BoxFuture<'static, Outcome> {
        let version = session.protocol_version();
        let server = self.clone();
        let session = session.clone();
        match incoming {
            Incoming::Single(Ok(Message::Notification(note)))
                if note.method == methods::NOTIFICATION_CANCELLED =>
            {
                if let Some(id) = note.params.get("requestId").and_then(RequestId::from_value) {
                    session.cancel(&id);
                }
                Box::pin(async { Outcome::Accepted })
            }
            Incoming::Single(Ok(Message::Request(req))) => {
                let mut link = server.link(sink);
                link.later = session.notifier.clone();
                let signal = link.cancel.clone();
                let entry = session.register(req.id.clone(), signal.clone());
                Box::pin(async move {
                    let id = req.id.clone();
                    let (admission, trace) = (Admission::new(caller), server.bare_trace());
                    let request = Message::Request(req);
                    let reply = server
                        .message_as(request, version, link, admission, trace, None)
                        .await;
                    drop(entry);
                    let outcome = match reply {
                        Some(reply) => Outcome::One(reply),
                        None if signal.is_cancelled() => Outcome::Accepted,
                        None => Outcome::One(unanswered(id)),
                    };
                    session.settle(&outcome);
                    outcome
                })
            }
            other => Box::pin(async move {
                let outcome = server.handle_incoming(other, version, caller).await;
                session.settle(&outcome);
                outcome
            }),
        }
    }
}
