//! Method routing: one parsed message in, at most one response out.

use super::context::{Link, Round};
use super::reply::{unanswered, Failure, Outcome, Params, Reply};
use super::report::During;
use super::resolve::resolve_version;
use super::{Notifier, RequestContext, Server};
use crate::auth::{Admission, Admitted, Caller};
use crate::jsonrpc::{
    describe, ErrorObject, Incoming, Message, Request, RequestId, Response, INVALID_REQUEST,
};
use crate::middleware::{refusal_reply, Exchange, TraceContext};
use crate::protocol::{methods, LogLevel, ProtocolVersion, META_LOG_LEVEL, META_SERVER_INFO};
use futures_util::future;
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl Server {
    /// Handles a parsed body, one message or a batch, from `caller`.
    ///
    /// `transport` is the revision the transport already knows (the HTTP
    /// `MCP-Protocol-Version` header, the revision negotiated on stdio), if any. A batch is
    /// refused with `-32600` unless that revision allows batches. A caller the server's
    /// access control refuses gets the refusal an HTTP request would, with `http_status`
    /// 401 (see [`Caller`]).
    pub async fn handle_incoming(
        &self,
        incoming: Incoming,
        transport: Option<ProtocolVersion>,
        caller: Caller,
    ) -> Outcome {
        let trace = self.bare_trace();
        self.incoming_as(incoming, transport, Admission::new(caller), trace)
            .await
    }

    /// [`handle_incoming`](Server::handle_incoming) with the request's credentials and
    /// trace context.
    pub(crate) async fn incoming_as(
        &self,
        incoming: Incoming,
        transport: Option<ProtocolVersion>,
        admission: Arc<Admission>,
        trace: Arc<TraceContext>,
    ) -> Outcome {
        match incoming {
            Incoming::Single(Err(response)) => Outcome::One(Reply::new(response, 400)),
            Incoming::Single(Ok(message)) => {
                match self
                    .message_as(message, transport, self.link(None), admission, trace, None)
                    .await
                {
                    Some(reply) => Outcome::One(reply),
                    None => Outcome::Accepted,
                }
            }
            Incoming::Batch(items) => {
                let version = transport.unwrap_or(ProtocolVersion::HTTP_DEFAULT);
                if !version.allows_batches() || items.is_empty() {
                    let why = if items.is_empty() {
                        "An empty batch is not a valid request.".to_owned()
                    } else {
                        format!("Protocol version {version} does not allow batches; send one JSON-RPC message per request.")
                    };
                    return Outcome::One(
                        Failure::bad_request(ErrorObject::new(INVALID_REQUEST, why))
                            .into_reply(None),
                    );
                }
                // One deadline for the whole batch.
                let link = self.link(None);
                let (admission, trace, link) = (&admission, &trace, &link);
                let replies = future::join_all(items.into_iter().map(|item| async move {
                    match item {
                        Err(response) => Some(response),
                        Ok(Message::Request(req)) if req.method == methods::INITIALIZE => {
                            Some(Response::error(
                                Some(req.id),
                                ErrorObject::new(
                                    INVALID_REQUEST,
                                    "`initialize` must not be part of a batch.",
                                ),
                            ))
                        }
                        Ok(message) => self
                            .message_as(
                                message,
                                transport,
                                link.sibling(),
                                admission.clone(),
                                trace.clone(),
                                None,
                            )
                            .await
                            .map(|reply| reply.response),
                    }
                }))
                .await;
                // A caller refused for its credentials is answered once, for the whole
                // request, with the status and challenge that tell it what to do.
                if let Some(Err(refusal)) = admission.decided() {
                    return Outcome::One(refusal_reply(self.auth(), &refusal, None));
                }
                let responses: Vec<Response> = replies.into_iter().flatten().collect();
                if responses.is_empty() {
                    Outcome::Accepted
                } else {
                    Outcome::Batch(responses)
                }
            }
        }
    }

    /// Handles one message from `caller`. Notifications and client responses get `None`,
    /// unless access control refuses the caller: the refusal always gets a reply.
    ///
    /// `sink`, when given, receives progress and log notifications while the request runs;
    /// a transport that cannot carry them passes `None`.
    pub async fn handle_message(
        &self,
        message: Message,
        transport: Option<ProtocolVersion>,
        sink: Option<Arc<dyn Notifier>>,
        caller: Caller,
    ) -> Option<Reply> {
        let (admission, trace) = (Admission::new(caller), self.bare_trace());
        self.message_as(message, transport, self.link(sink), admission, trace, None)
            .await
    }

    /// The trace context of a message from a bare-message entry point: a new one, as
    /// these transports carry none.
    pub(super) fn bare_trace(&self) -> Arc<TraceContext> {
        Arc::new(TraceContext::new(self.runtime()))
    }

    /// Passes one message through the middleware chain, access control first.
    pub(crate) async fn message_as(
        &self,
        message: Message,
        transport: Option<ProtocolVersion>,
        link: Link,
        admission: Arc<Admission>,
        trace: Arc<TraceContext>,
        header_mismatch: Option<String>,
    ) -> Option<Reply> {
        // A client's response answers nothing this server asked; there is nothing to run,
        // but a refused caller still hears why.
        if matches!(message, Message::Response) {
            let auth = self.auth();
            let refusal = admission.decide(auth).await.err()?;
            return Some(refusal_reply(auth, &refusal, None));
        }
        let exchange = Exchange {
            server: self.clone(),
            message,
            transport,
            link,
            caller: None,
            admission,
            trace,
            header_mismatch,
        };
        self.inner.chain.handle(exchange).await
    }

    /// A request through the middleware chain. A layer that answers a request with
    /// nothing gets an internal error in its place, so the client is never left waiting.
    pub(crate) async fn request_through_chain(
        &self,
        req: Request,
        transport: Option<ProtocolVersion>,
        link: Link,
        admission: Arc<Admission>,
        trace: Arc<TraceContext>,
        header_mismatch: Option<String>,
    ) -> Reply {
        let id = req.id.clone();
        let request = Message::Request(req);
        match self
            .message_as(request, transport, link, admission, trace, header_mismatch)
            .await
        {
            Some(reply) => reply,
            None => unanswered(id),
        }
    }

    /// The centre of the chain: what a message does once every layer let it through.
    pub(crate) async fn dispatch_message(
        &self,
        message: Message,
        transport: Option<ProtocolVersion>,
        link: Link,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> Option<Reply> {
        match message {
            Message::Request(req) => match resolve_version(&req, transport) {
                Ok(version) => Some(self.dispatch(req, version, link, caller, trace).await),
                Err(failure) => Some(failure.into_reply(Some(req.id))),
            },
            // Notifications need no answer: `initialized` changes nothing on a stateless
            // server, and `cancelled` is acted on by the session that carries it (see
            // `Session`); without a session there is nothing running to stop.
            Message::Notification(_) | Message::Response => None,
        }
    }

    /// Handles one request from `caller` whose revision is not yet known. A caller that
    /// access control refuses gets the refusal (see [`Caller`]).
    pub async fn handle_request(
        &self,
        req: Request,
        transport: Option<ProtocolVersion>,
        sink: Option<Arc<dyn Notifier>>,
        caller: Caller,
    ) -> Reply {
        let (admission, trace) = (Admission::new(caller), self.bare_trace());
        self.request_through_chain(req, transport, self.link(sink), admission, trace, None)
            .await
    }

    /// Handles one request whose revision is known.
    async fn dispatch(
        &self,
        req: Request,
        version: ProtocolVersion,
        link: Link,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> Reply {
        let Request { id, method, params } = req;
        // Kept for the log line, should the request fail inside the server.
        let target = named_target(&params).map(str::to_owned);
        match self
            .call(&method, params, version, link, caller, trace)
            .await
        {
            Ok(result) => Reply::new(
                Response::result(id, self.finish(result, &method, version)),
                200,
            ),
            Err(Failure::Internal(err)) => {
                let during = During {
                    method: &method,
                    target: target.as_deref(),
                };
                Failure::rpc(self.client_error(&err, during)).into_reply(Some(id))
            }
            Err(failure) => failure.into_reply(Some(id)),
        }
    }

    /// Routes a request to its method. Boxed: the router is reached from the chain and
    /// from delegated task jobs, and a module for the edge should hold it once.
    pub(super) fn call<'a>(
        &'a self,
        method: &'a str,
        params: Params,
        version: ProtocolVersion,
        link: Link,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> crate::runtime::BoxFuture<'a, Result<Params, Failure>> {
        Box::pin(self.route(method, params, version, link, caller, trace))
    }

    async fn route(
        &self,
        method: &str,
        params: Params,
        version: ProtocolVersion,
        link: Link,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> Result<Params, Failure> {
        let inner = &self.inner;
        let stateless = version.is_stateless();
        let caps = &inner.capabilities;
        let offered = |capability: &str| caps.get(capability).is_some();
        match method {
            methods::INITIALIZE if !stateless => self.initialize(&params),
            methods::PING if !stateless => Ok(Map::new()),
            methods::LOGGING_SET_LEVEL if !stateless => {
                // Stateless: there is no session to remember the level in. Clients opt in
                // per request with `_meta` instead; the call is accepted for compatibility.
                match params.get("level").and_then(LogLevel::from_value) {
                    Some(_) => Ok(Map::new()),
                    None => Err(Failure::invalid_params(
                        "`level` must be one of debug, info, notice, warning, error, critical, alert, emergency.",
                    )),
                }
            }
            methods::SERVER_DISCOVER if stateless => Ok(self.discover()),
            methods::TOOLS_LIST if offered("tools") => Ok(inner.tool_list.page_where(
                "tools",
                &params,
                super::listing::Shape::of(version),
                inner.page_size,
                // A caller sees only the tools its scopes let it call.
                |index| {
                    caller
                        .as_ref()
                        .is_none_or(|who| who.has_scopes(&inner.tools[index].scopes))
                },
            )?),
            methods::TOOLS_CALL if offered("tools") => {
                // A call that becomes a task runs where tasks are kept, retries of
                // multi-round requests included (their state was sealed there).
                if self.delegates_call(&params, version)? {
                    return self.delegate(method, params, version, &caller).await;
                }
                let cx = self.context(method, &params, version, link, caller, trace)?;
                self.call_tool(params, cx).await
            }
            methods::RESOURCES_LIST if offered("resources") => Ok(inner.resource_list.page(
                "resources",
                &params,
                version.has_titles(),
                inner.page_size,
            )?),
            methods::RESOURCES_TEMPLATES_LIST if offered("resources") => {
                Ok(inner.template_list.page(
                    "resourceTemplates",
                    &params,
                    version.has_titles(),
                    inner.page_size,
                )?)
            }
            methods::RESOURCES_READ if offered("resources") => {
                let cx = self.context(method, &params, version, link, caller, trace)?;
                self.read_resource(&params, cx).await
            }
            methods::PROMPTS_LIST if offered("prompts") => Ok(inner.prompt_list.page(
                "prompts",
                &params,
                version.has_titles(),
                inner.page_size,
            )?),
            methods::PROMPTS_GET if offered("prompts") => {
                let cx = self.context(method, &params, version, link, caller, trace)?;
                self.get_prompt(params, cx).await
            }
            methods::COMPLETION_COMPLETE if offered("completions") => {
                let cx = self.context(method, &params, version, link, caller, trace)?;
                self.complete(&params, cx).await
            }
            _ if self.offers_task_method(method, version) => {
                self.task_method(method, &params, version, &link, caller)
                    .await
            }
            _ => {
                let status = if stateless { 404 } else { 200 };
                Err(Failure::Refused {
                    error: ErrorObject::new(
                        crate::jsonrpc::METHOD_NOT_FOUND,
                        format!("Method not found: {method} is not offered by this server in protocol version {version}."),
                    ),
                    status,
                })
            }
        }
    }

    fn context(
        &self,
        method: &str,
        params: &Params,
        version: ProtocolVersion,
        link: Link,
        caller: Admitted,
        trace: Arc<TraceContext>,
    ) -> Result<RequestContext, Failure> {
        let meta = params.get("_meta").and_then(Value::as_object);
        let log_level = match meta.and_then(|m| m.get(META_LOG_LEVEL)) {
            None => None,
            Some(level) => Some(LogLevel::from_value(level).ok_or_else(|| {
                Failure::invalid_params(format!(
                    "`_meta.{META_LOG_LEVEL}` is not a log level: {}.",
                    describe(level)
                ))
            })?),
        };
        let round = if version.is_stateless() {
            self.round(method, params, meta, &caller)?
        } else {
            Round::default()
        };
        Ok(RequestContext::new(
            self.inner.runtime.clone(),
            version,
            meta,
            log_level,
            link,
            round,
            caller,
            trace,
        ))
    }

    /// Adds what every result of a stateless revision carries.
    fn finish(&self, mut result: Params, method: &str, version: ProtocolVersion) -> Value {
        if version.has_result_type() {
            result
                .entry("resultType")
                .or_insert_with(|| json!("complete"));
            let mut meta = Map::new();
            meta.insert(META_SERVER_INFO.into(), json!(self.inner.info));
            result.insert("_meta".into(), Value::Object(meta));
            match method {
                methods::SERVER_DISCOVER
                | methods::TOOLS_LIST
                | methods::PROMPTS_LIST
                | methods::RESOURCES_LIST
                | methods::RESOURCES_TEMPLATES_LIST => {
                    result.insert("ttlMs".into(), json!(self.inner.list_ttl_ms));
                    result.insert("cacheScope".into(), json!("public"));
                }
                // Contents may depend on the caller and change at any time.
                methods::RESOURCES_READ => {
                    result.insert("ttlMs".into(), json!(0));
                    result.insert("cacheScope".into(), json!("private"));
                }
                _ => {}
            }
        }
        Value::Object(result)
    }
}

/// What a message's parameters name: the tool or prompt (`name`) or the resource URI
/// (`uri`).
pub(crate) fn named_target(params: &Params) -> Option<&str> {
    ["name", "uri"]
        .iter()
        .find_map(|key| params.get(*key).and_then(Value::as_str))
}

/// The id of a single request, for replies that answer it before it is handled.
pub(crate) fn incoming_id(incoming: &Incoming) -> Option<RequestId> {
    match incoming {
        Incoming::Single(Ok(Message::Request(req))) => Some(req.id.clone()),
        _ => None,
    }
}
