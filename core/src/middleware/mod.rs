//! The ordered chain around dispatch.
//!
//! Every MCP message a server handles, on every transport, passes through the same chain:
//! the built-in layers (the request log, then access control, then the [`RateLimits`],
//! when set), then the layers added with
//! [`ServerBuilder::layer`](crate::ServerBuilder::layer) in the order they were added,
//! then dispatch. A layer wraps the handler inside it, so it sees the message on the way
//! in (and may answer it without going further) and the reply on the way out.
//!
//! The transport has done its part before the chain runs: it has read the caller's
//! credentials (see [`Caller`](crate::auth::Caller)), which the access-control layer
//! checks, and read or created the [`TraceContext`].
//!
//! ```
//! use edgemcp::middleware::{from_fn, Exchange, Next};
//! use edgemcp::{Server, runtime::Runtime};
//!
//! // Refuses `tools/call` on Sundays, say; here: a method nobody may call.
//! let closed = from_fn(|exchange: Exchange, next: Next| async move {
//!     if exchange.method() == "resources/subscribe" {
//!         return exchange.reply_error(-32601, "Subscriptions are not offered here.");
//!     }
//!     next.run(exchange).await
//! });
//! let server = Server::builder("demo", "1.0.0")
//!     .layer(closed)
//!     .build(Runtime::for_tests(0))
//!     .unwrap();
//! # let _ = server;
//! ```

mod authenticate;
mod log;
#[cfg(feature = "metrics")]
mod measure;
mod rate_limit;
mod trace;

pub(crate) use authenticate::{refusal_reply, Authenticate};
pub(crate) use log::RequestLog;
pub(crate) use rate_limit::RateLimit;
pub use rate_limit::{Decision, Limit, MemoryRateLimiter, RateLimiter, RateLimits, RATE_LIMITED};
pub use trace::TraceContext;

use crate::auth::{Admission, Admitted, Identity};
use crate::jsonrpc::{ErrorObject, Message, RequestId, Response};
use crate::protocol::ProtocolVersion;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::server::{Cancellation, Link, Reply};
use crate::Server;
use futures_util::future::{select, Either};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// One MCP message on its way through the chain, with what the transport knows of it.
pub struct Exchange {
    pub(crate) server: Server,
    pub(crate) message: Message,
    pub(crate) transport: Option<ProtocolVersion>,
    pub(crate) link: Link,
    /// The verified caller, set by the [`Authenticate`] layer.
    pub(crate) caller: Admitted,
    /// The request's credentials and their admission, shared by a batch's messages.
    pub(crate) admission: Arc<Admission>,
    pub(crate) trace: Arc<TraceContext>,
    /// Why the transport's headers disagree with the message, answered once the caller
    /// is admitted (the answer can tell whether a tool exists).
    pub(crate) header_mismatch: Option<String>,
}

impl Exchange {
    /// The JSON-RPC method (empty for a client's response, which nothing handles).
    pub fn method(&self) -> &str {
        match &self.message {
            Message::Request(req) => &req.method,
            Message::Notification(note) => &note.method,
            Message::Response => "",
        }
    }

    /// The request id; `None` for a notification.
    pub fn id(&self) -> Option<&RequestId> {
        match &self.message {
            Message::Request(req) => Some(&req.id),
            _ => None,
        }
    }

    /// The parameters (an empty object when the message has none).
    pub fn params(&self) -> Option<&serde_json::Map<String, Value>> {
        match &self.message {
            Message::Request(req) => Some(&req.params),
            Message::Notification(note) => Some(&note.params),
            Message::Response => None,
        }
    }

    /// What the message names: the tool or prompt (`params.name`) or the resource URI
    /// (`params.uri`).
    pub fn target(&self) -> Option<&str> {
        crate::server::named_target(self.params()?)
    }

    /// The revision the message speaks, as far as can be told before dispatch: the one
    /// its `_meta` states, else the transport's, else the Streamable HTTP default.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.params()
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get(crate::protocol::META_PROTOCOL_VERSION))
            .and_then(Value::as_str)
            .and_then(|v| v.parse().ok())
            .or(self.transport)
            .unwrap_or(ProtocolVersion::HTTP_DEFAULT)
    }

    /// The verified caller, when access control applies. Layers run inside access
    /// control, so they see it; the built-in request log outside reads it afterwards.
    pub fn identity(&self) -> Option<&Identity> {
        self.caller.as_deref()
    }

    /// The request id and trace context it runs under.
    pub fn trace(&self) -> &TraceContext {
        &self.trace
    }

    /// The signal that the client cancelled this message's request; a layer that waits on
    /// something slow can race it.
    pub fn cancellation(&self) -> &Cancellation {
        &self.link.cancel
    }

    /// The runtime of the server: its clock, random source and logger.
    pub fn runtime(&self) -> &crate::runtime::Runtime {
        self.server.runtime()
    }

    /// A JSON-RPC error answering this message, for a layer that refuses it; `None` for a
    /// notification, which gets no answer.
    pub fn reply_error(&self, code: i64, message: impl Into<String>) -> Option<Reply> {
        let id = self.id()?.clone();
        Some(Reply::new(
            Response::error(Some(id), ErrorObject::new(code, message)),
            200,
        ))
    }
}

impl std::fmt::Debug for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exchange")
            .field("method", &self.method())
            .field("target", &self.target())
            .field("request_id", &self.trace.request_id())
            .finish_non_exhaustive()
    }
}

/// Handles an exchange: the dispatcher at the centre, or a layer's wrapper around it.
pub trait Handler: MaybeSend + MaybeSync {
    /// The reply to the exchange's message; `None` for notifications.
    fn handle(&self, exchange: Exchange) -> BoxFuture<'static, Option<Reply>>;
}

/// A handler behind a shared pointer, as layers receive and return them.
pub type BoxHandler = Arc<dyn Handler>;

/// Wraps the handler inside it in one of its own.
///
/// # Behavior
/// - `layer` runs once, when the server is built; the handler it returns runs per message.
/// - A wrapper that answers without calling the inner handler short-circuits everything
///   inside it, dispatch included.
pub trait Layer: MaybeSend + MaybeSync {
    /// Wraps `inner`.
    fn layer(&self, inner: BoxHandler) -> BoxHandler;
}

/// The rest of the chain, handed to a [`from_fn`] layer.
#[derive(Clone)]
pub struct Next(BoxHandler);

impl Next {
    /// Passes the exchange on and waits for the reply.
    pub async fn run(self, exchange: Exchange) -> Option<Reply> {
        self.0.handle(exchange).await
    }
}

/// A layer made of an async function of the exchange and the rest of the chain.
///
/// See the [module](self) example.
pub fn from_fn<F, Fut>(f: F) -> FromFn<F>
where
    F: Fn(Exchange, Next) -> Fut + Clone + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Option<Reply>> + MaybeSend + 'static,
{
    FromFn(f)
}

/// The layer [`from_fn`] makes.
#[derive(Clone)]
pub struct FromFn<F>(F);

struct FromFnHandler<F> {
    f: F,
    inner: BoxHandler,
}

impl<F, Fut> Layer for FromFn<F>
where
    F: Fn(Exchange, Next) -> Fut + Clone + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Option<Reply>> + MaybeSend + 'static,
{
    fn layer(&self, inner: BoxHandler) -> BoxHandler {
        Arc::new(FromFnHandler {
            f: self.0.clone(),
            inner,
        })
    }
}

impl<F, Fut> Handler for FromFnHandler<F>
where
    F: Fn(Exchange, Next) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Option<Reply>> + MaybeSend + 'static,
{
    fn handle(&self, exchange: Exchange) -> BoxFuture<'static, Option<Reply>> {
        Box::pin((self.f)(exchange, Next(self.inner.clone())))
    }
}

/// The centre of the chain: the server's own dispatch.
struct Dispatch;

impl Handler for Dispatch {
    fn handle(&self, exchange: Exchange) -> BoxFuture<'static, Option<Reply>> {
        Box::pin(async move {
            let Exchange {
                server,
                message,
                transport,
                link,
                caller,
                admission: _,
                trace,
                header_mismatch,
            } = exchange;
            // A request stops here when it is cancelled (its handler is dropped at its
            // next await, and the client, as the protocol says, gets no answer) or when
            // the message's deadline passes (the client gets an error).
            let id = match &message {
                Message::Request(req) => Some(req.id.clone()),
                _ => None,
            };
            if let Some(mismatch) = header_mismatch {
                return Some(crate::server::header_mismatch_reply(id, mismatch));
            }
            let runtime = server.runtime().clone();
            let cancel = link.cancel.clone();
            let left = link.remaining(&runtime);
            let dispatched = server.dispatch_message(message, transport, link, caller, trace);
            let timed = runtime.within(left, dispatched);
            // The signal is looked at first: a request cancelled while it was finishing
            // is not answered either.
            let timed = std::pin::pin!(timed);
            let ended = match select(cancel.cancelled(), timed).await {
                Either::Left(((), _)) => return None,
                Either::Right((ended, _)) => ended,
            };
            match ended {
                Some(reply) => reply,
                None => id.map(|id| past_deadline(id, &server)),
            }
        })
    }
}

/// The answer to a request still running when its message's deadline passed.
fn past_deadline(id: RequestId, server: &Server) -> Reply {
    let limit = server.request_timeout().as_millis();
    Reply::new(Response::error(
            Some(id),
            ErrorObject::new(
                crate::jsonrpc::INTERNAL_ERROR,
                format!(
                    "The request did not finish within the server's limit of {limit} ms and was stopped; try a smaller request, or raise EDGEMCP_REQUEST_TIMEOUT_MS."
                ),
            ),
        ), 200)
}

/// Builds the chain: `layers[0]` outermost, dispatch at the centre.
pub(crate) fn chain(layers: &[Arc<dyn Layer>]) -> BoxHandler {
    layers
        .iter()
        .rev()
        .fold(Arc::new(Dispatch) as BoxHandler, |inner, layer| {
            layer.layer(inner)
        })
}
