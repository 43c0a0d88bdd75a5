//! Method routing: one parsed message in, at most one response out.

use super::context::{Link, Round};
use super::input::check_client_capabilities;
use super::report::During;
use super::resolve::resolve_version;
use super::task::TaskMode;
use super::{RequestContext, Server};
use crate::auth::{Admission, Admitted, Caller};
use crate::jsonrpc::{
    describe, ErrorObject, Incoming, Message, Request, RequestId, Response, INVALID_PARAMS,
    INVALID_REQUEST,
};
use crate::middleware::{refusal_reply, Exchange, TraceContext};
use crate::prompt::{Prompt, PromptArgs, PromptMessage, PromptReply, MAX_COMPLETIONS};
use crate::protocol::{methods, LogLevel, ProtocolVersion, META_LOG_LEVEL, META_SERVER_INFO};
use crate::telemetry::{in_span, OpenSpan, SpanKind};
use crate::tool::validate::validate;
use crate::tool::ToolResult;
use crate::{Error, ErrorKind};
use futures_channel::mpsc::UnboundedSender;
use futures_util::future;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// A response and the HTTP status a Streamable HTTP host should send it with.
///
/// ```
/// use edgemcp::jsonrpc::{ErrorObject, RequestId, Response};
/// use edgemcp::Reply;
///
/// let id = RequestId::Number(7.into());
/// let refused = Reply::new(
///     Response::error(Some(id), ErrorObject::new(-32600, "Not today.")),
///     400,
/// );
/// assert_eq!(refused.http_status, 400);
/// assert!(refused.to_json().starts_with(br#"{"jsonrpc":"2.0","id":7"#));
/// ```
#[derive(Clone)]
pub struct Reply {
    /// The JSON-RPC response.
    pub response: Response,
    /// 200 for results and most errors; 400 or 404 where the revision asks for it.
    pub http_status: u16,
    /// `response` as JSON, once the request log has written it, so the transport does not
    /// write it again. Never read after `response` could have changed: only the outermost
    /// layer sets it, and only transports read it.
    encoded: Option<Vec<u8>>,
    /// The `WWW-Authenticate` challenge an HTTP transport sends with a refusal.
    pub(crate) www_authenticate: Option<String>,
}

impl PartialEq for Reply {
    fn eq(&self, other: &Self) -> bool {
        // The encoding is a cache of `response`, not part of the value.
        self.response == other.response && self.http_status == other.http_status
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("response", &self.response)
            .field("http_status", &self.http_status)
            .finish()
    }
}

impl Reply {
    /// `response`, to be sent with `http_status`.
    pub fn new(response: Response, http_status: u16) -> Self {
        Reply {
            response,
            http_status,
            encoded: None,
            www_authenticate: None,
        }
    }

    /// The response as JSON text.
    pub fn to_json(&self) -> Vec<u8> {
        self.encoded
            .clone()
            .unwrap_or_else(|| encode_response(&self.response))
    }

    /// The response as JSON text, reusing what the request log already wrote.
    pub fn into_json(self) -> Vec<u8> {
        let response = &self.response;
        self.encoded.unwrap_or_else(|| encode_response(response))
    }

    /// Writes the response as JSON once, keeps it for the transport, and says its length.
    pub(crate) fn encode(&mut self) -> usize {
        let response = &self.response;
        self.encoded
            .get_or_insert_with(|| encode_response(response))
            .len()
    }

    /// The revision this reply settles for a session: the `protocolVersion` of a
    /// successful `initialize` result, `None` for any other reply.
    ///
    /// Session transports (stdio, a message port) apply it to later requests that do not
    /// carry their own revision.
    pub fn negotiated_version(&self) -> Option<ProtocolVersion> {
        let result = self.response.outcome.as_ref().ok()?;
        let object = result.as_object()?;
        // An initialize result is the only one with both of these.
        if !object.contains_key("serverInfo") {
            return None;
        }
        object.get("protocolVersion")?.as_str()?.parse().ok()
    }
}

/// `response` as JSON; writing a response into memory cannot fail.
fn encode_response(response: &Response) -> Vec<u8> {
    serde_json::to_vec(response).unwrap_or_default()
}

/// What a body of messages produced.
#[derive(Debug)]
pub enum Outcome {
    /// Only notifications or client responses: nothing to send back (HTTP 202).
    Accepted,
    /// One response.
    One(Reply),
    /// The responses to a batch, in order.
    Batch(Vec<Response>),
}

/// A failed request.
#[derive(Debug)]
pub(crate) enum Failure {
    /// An error the client may read as it is, and its HTTP status.
    Refused { error: ErrorObject, status: u16 },
    /// An internal failure: the client gets a generic message, the log the detail
    /// (see [`Server::client_error`]).
    Internal(Error),
}

impl Failure {
    pub(crate) fn bad_request(error: ErrorObject) -> Self {
        Failure::Refused { error, status: 400 }
    }

    pub(super) fn rpc(error: ErrorObject) -> Self {
        Failure::Refused { error, status: 200 }
    }

    pub(super) fn invalid_params(message: impl Into<String>) -> Self {
        Failure::rpc(ErrorObject::new(INVALID_PARAMS, message))
    }

    /// The reply; an internal failure that was not reported yet says only its kind.
    pub(crate) fn into_reply(self, id: Option<RequestId>) -> Reply {
        let (error, http_status) = match self {
            Failure::Refused { error, status } => (error, status),
            Failure::Internal(err) => (
                ErrorObject::new(
                    err.kind().jsonrpc_code(),
                    format!("The server failed ({}).", err.kind()),
                ),
                200,
            ),
        };
        Reply::new(Response::error(id, error), http_status)
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        if err.kind().is_internal() {
            Failure::Internal(err)
        } else {
            Failure::rpc(ErrorObject::new(err.kind().jsonrpc_code(), err.to_string()))
        }
    }
}

pub(super) type Params = Map<String, Value>;

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
        sink: Option<UnboundedSender<Value>>,
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
        sink: Option<UnboundedSender<Value>>,
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

    fn initialize(&self, params: &Params) -> Result<Params, Failure> {
        let requested = match params.get("protocolVersion") {
            Some(Value::String(v)) => v,
            other => {
                return Err(Failure::invalid_params(format!(
                    "`protocolVersion` must be a string such as \"{}\", received {}.",
                    ProtocolVersion::LATEST_SESSION,
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let version = ProtocolVersion::negotiate(requested);
        let mut info = json!(self.inner.info);
        if !version.has_titles() {
            if let Some(info) = info.as_object_mut() {
                info.remove("title");
            }
        }
        let mut capabilities = self.inner.capabilities.clone();
        self.add_task_capabilities(&mut capabilities, version);
        let mut out = Map::new();
        out.insert("protocolVersion".into(), json!(version.as_str()));
        out.insert("capabilities".into(), capabilities);
        out.insert("serverInfo".into(), info);
        if let Some(instructions) = &self.inner.instructions {
            out.insert("instructions".into(), json!(instructions));
        }
        Ok(out)
    }

    fn discover(&self) -> Params {
        let mut out = Map::new();
        let versions: Vec<&str> = ProtocolVersion::ALL
            .iter()
            .rev()
            .map(|v| v.as_str())
            .collect();
        out.insert("supportedVersions".into(), json!(versions));
        let mut capabilities = self.inner.capabilities.clone();
        self.add_task_capabilities(&mut capabilities, ProtocolVersion::LATEST);
        out.insert("capabilities".into(), capabilities);
        if let Some(instructions) = &self.inner.instructions {
            out.insert("instructions".into(), json!(instructions));
        }
        out
    }

    async fn call_tool(&self, params: Params, cx: RequestContext) -> Result<Params, Failure> {
        let structured = cx.protocol_version().has_structured_output();
        self.invoke_tool(params, cx, structured).await
    }

    /// `tools/call`, with `structuredContent` in the result when `structured` (a
    /// workflow reads it whatever revision its client speaks).
    pub(super) async fn invoke_tool(
        &self,
        mut params: Params,
        cx: RequestContext,
        structured: bool,
    ) -> Result<Params, Failure> {
        let name = match params.get("name") {
            Some(Value::String(name)) => name.clone(),
            other => {
                return Err(Failure::invalid_params(format!(
                    "`name` must be the name of a tool, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let Some(tool) = self.tool_named(&name) else {
            return Err(Failure::invalid_params(format!(
                "Unknown tool: {name}. Call tools/list to see the tools this server offers."
            )));
        };
        if let Some(who) = cx.identity() {
            if !who.has_scopes(&tool.scopes) {
                return Err(insufficient_scope(tool));
            }
        }
        if cx.protocol_version().is_stateless() {
            check_client_capabilities(tool, &params)?;
        }
        let args = match params.remove("arguments") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(args @ Value::Object(_)) => args,
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`arguments` must be an object, received {}.",
                    describe(&other)
                )))
            }
        };
        let problems = validate(&tool.input_schema, &args);
        if !problems.is_empty() {
            let message = format!(
                "Invalid arguments for tool `{name}`: {}.",
                problems.join("; ")
            );
            return Ok(as_params(ToolResult::error(message).into_value(structured)));
        }
        if let TaskMode::Task {
            asked_ttl_ms,
            may_answer,
        } = self.task_mode(tool, &params, cx.protocol_version())?
        {
            return self
                .call_as_task(tool, args, cx, asked_ttl_ms, may_answer)
                .await;
        }
        let limit = tool
            .timeout
            .unwrap_or(self.inner.tool_timeout)
            .min(cx.remaining());
        let version = cx.protocol_version();
        let caller = cx.admitted();
        let runtime = cx.runtime().clone();
        let mut span = OpenSpan::under_current(
            &runtime,
            || format!("execute_tool {name}"),
            SpanKind::Internal,
        );
        let call = tool.handler.call(args, cx);
        let within = runtime.within(limit, call);
        let outcome = match &mut span {
            Some(span) => {
                span.set("gen_ai.operation.name", "execute_tool");
                span.set("gen_ai.tool.name", name.clone());
                in_span(span.parent(), Box::pin(within)).await
            }
            None => within.await,
        };
        if let Some(mut span) = span {
            match &outcome {
                Some(Ok(result)) if result.is_error => span.set("error.type", "tool_error"),
                Some(Ok(_)) => {}
                Some(Err(err)) => span.fail(err.kind().to_string()),
                None => span.fail("timed out"),
            }
            span.end();
        }
        let mut result = match outcome {
            Some(Ok(result)) => result,
            Some(Err(err)) => {
                let during = During {
                    method: methods::TOOLS_CALL,
                    target: Some(&name),
                };
                ToolResult::error(self.client_message(&err, during))
            }
            None => ToolResult::error(format!(
                "Tool `{name}` did not finish within {} ms and was stopped; try a smaller request.",
                limit.as_millis()
            )),
        };
        if let Some(input) = result.input_required.take() {
            return Ok(self.input_required(input, &name, version, &caller));
        }
        Ok(as_params(result.into_value(structured)))
    }

    async fn read_resource(&self, params: &Params, cx: RequestContext) -> Result<Params, Failure> {
        let version = cx.protocol_version();
        let uri = match params.get("uri") {
            Some(Value::String(uri)) => uri.clone(),
            other => {
                return Err(Failure::invalid_params(format!(
                    "`uri` must be a string, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let inner = &self.inner;
        let cx_remaining = cx.remaining();
        let read = if let Some(&i) = inner.resource_index.get(&uri) {
            inner.resources[i]
                .read
                .read(uri.clone(), Default::default(), cx)
        } else if let Some((template, vars)) = inner
            .templates
            .iter()
            .find_map(|t| t.template.matches(&uri).map(|vars| (t, vars)))
        {
            template.read.read(uri.clone(), vars, cx)
        } else {
            return Err(resource_not_found(&uri, version));
        };
        let limit = inner.tool_timeout.min(cx_remaining);
        let Some(read) = self.runtime().within(limit, read).await else {
            return Err(Failure::rpc(ErrorObject::new(
                crate::jsonrpc::INTERNAL_ERROR,
                format!(
                    "Resource {uri} was not read within {} ms and the read was stopped; try again later or read a smaller resource.",
                    limit.as_millis()
                ),
            )));
        };
        match read {
            Ok(contents) if !contents.is_empty() => {
                let mut out = Map::new();
                out.insert("contents".into(), json!(contents));
                Ok(out)
            }
            Ok(_) => Err(resource_not_found(&uri, version)),
            Err(err) if err.kind() == ErrorKind::NotFound => Err(resource_not_found(&uri, version)),
            Err(err) => Err(err.into()),
        }
    }

    async fn get_prompt(&self, params: Params, cx: RequestContext) -> Result<Params, Failure> {
        let version = cx.protocol_version();
        let name = match params.get("name") {
            Some(Value::String(name)) => name,
            other => {
                return Err(Failure::invalid_params(format!(
                    "`name` must be the name of a prompt, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let Some(prompt) = self
            .inner
            .prompt_index
            .get(name)
            .map(|&i| &self.inner.prompts[i])
        else {
            return Err(Failure::invalid_params(format!(
                "Unknown prompt: {name}. Call prompts/list to see the prompts this server offers."
            )));
        };
        let mut args = PromptArgs::new();
        match params.get("arguments") {
            None | Some(Value::Null) => {}
            Some(Value::Object(given)) => {
                for (key, value) in given {
                    let Value::String(text) = value else {
                        return Err(Failure::invalid_params(format!(
                            "Prompt argument `{key}` must be a string, received {}.",
                            describe(value)
                        )));
                    };
                    args.insert(key.clone(), text.clone());
                }
            }
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`arguments` must be an object of strings, received {}.",
                    describe(other)
                )))
            }
        }
        if let Some(missing) = prompt
            .arguments
            .iter()
            .find(|a| a.required && !args.contains_key(&a.name))
        {
            return Err(Failure::invalid_params(format!(
                "Prompt `{name}` needs the argument `{}`, which is missing.",
                missing.name
            )));
        }
        if let Some(workflow) = &prompt.workflow {
            // Each step has the tool limit; the whole chain has what is left of the
            // request's deadline.
            let limit = cx.remaining();
            let ran = self
                .runtime()
                .within(limit, self.run_workflow(workflow, &args, cx))
                .await
                .ok_or_else(|| {
                    Failure::rpc(ErrorObject::new(
                        crate::jsonrpc::INTERNAL_ERROR,
                        format!(
                            "Workflow `{name}` did not finish within the request's {} ms and was stopped; try again, or run its tools one by one.",
                            limit.as_millis()
                        ),
                    ))
                })??;
            return Ok(prompt_result(prompt, ran, version));
        }
        let caller = cx.admitted();
        let limit = self.inner.tool_timeout.min(cx.remaining());
        let rendered = self
            .runtime()
            .within(limit, prompt.handler.render(args, cx))
            .await
            .ok_or_else(|| {
                Failure::rpc(ErrorObject::new(
                    crate::jsonrpc::INTERNAL_ERROR,
                    format!(
                        "Prompt `{name}` was not ready within {} ms and was stopped; try again later.",
                        limit.as_millis()
                    ),
                ))
            })?;
        let messages = match rendered? {
            PromptReply::Messages(messages) => messages,
            PromptReply::InputRequired(input) if version.is_stateless() && !input.is_empty() => {
                let binding = super::state::Binding::new(methods::PROMPTS_GET, name, &caller);
                return Ok(self.seal_input(input, &binding));
            }
            PromptReply::InputRequired(_) => {
                return Err(Failure::invalid_params(format!(
                    "Prompt `{name}` needs input from the client, which protocol version \
                     {version} cannot carry here; use 2026-07-28."
                )))
            }
        };
        Ok(prompt_result(prompt, messages, version))
    }

    async fn complete(&self, params: &Params, cx: RequestContext) -> Result<Params, Failure> {
        let reference = params
            .get("ref")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                Failure::invalid_params(
                    "`ref` must be an object such as {\"type\": \"ref/prompt\", \"name\": \"…\"}.",
                )
            })?;
        let argument = params.get("argument").and_then(Value::as_object);
        let (Some(arg_name), Some(partial)) = (
            argument.and_then(|a| a.get("name")).and_then(Value::as_str),
            argument
                .and_then(|a| a.get("value"))
                .and_then(Value::as_str),
        ) else {
            return Err(Failure::invalid_params(
                "`argument` must be an object with string members `name` and `value`.",
            ));
        };
        let inner = &self.inner;
        let completer = match reference.get("type").and_then(Value::as_str) {
            Some("ref/prompt") => {
                let name = reference
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let prompt = inner
                    .prompt_index
                    .get(name)
                    .map(|&i| &inner.prompts[i])
                    .ok_or_else(|| Failure::invalid_params(format!("Unknown prompt: {name}.")))?;
                prompt
                    .arguments
                    .iter()
                    .find(|a| a.name == arg_name)
                    .and_then(|a| a.completer.clone())
            }
            Some("ref/resource") => {
                let uri = reference
                    .get("uri")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let template = inner
                    .templates
                    .iter()
                    .find(|t| t.template.as_str() == uri)
                    .ok_or_else(|| {
                        Failure::invalid_params(format!("Unknown resource template: {uri}."))
                    })?;
                template
                    .completions
                    .iter()
                    .find(|(var, _)| var == arg_name)
                    .map(|(_, c)| c.clone())
            }
            other => {
                return Err(Failure::invalid_params(format!(
                    "`ref.type` must be \"ref/prompt\" or \"ref/resource\", received {}.",
                    other.map_or_else(|| "nothing".to_owned(), |t| format!("{t:?}"))
                )))
            }
        };
        let mut values = match completer {
            None => Vec::new(),
            Some(completer) => {
                let limit = inner.tool_timeout.min(cx.remaining());
                let suggested = self
                    .runtime()
                    .within(limit, completer.complete(partial))
                    .await;
                let Some(suggested) = suggested else {
                    return Err(Failure::rpc(ErrorObject::new(
                        crate::jsonrpc::INTERNAL_ERROR,
                        format!(
                            "Completing `{arg_name}` took longer than {} ms and was stopped; type more of the value and try again.",
                            limit.as_millis()
                        ),
                    )));
                };
                suggested.map_err(Failure::from)?
            }
        };
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        let mut out = Map::new();
        out.insert(
            "completion".into(),
            json!({"values": values, "total": total, "hasMore": total > MAX_COMPLETIONS}),
        );
        Ok(out)
    }
}

/// The `prompts/get` result: the prompt's description and its messages, each content
/// block shaped for `version`.
fn prompt_result(
    prompt: &Prompt,
    messages: Vec<PromptMessage>,
    version: ProtocolVersion,
) -> Params {
    let structured = version.has_structured_output();
    let messages: Vec<Value> = messages
        .into_iter()
        .map(|m| {
            let content = ToolResult::content(vec![m.content]).into_value(structured);
            let block = content
                .get("content")
                .and_then(|c| c.get(0))
                .cloned()
                .unwrap_or(Value::Null);
            json!({"role": m.role, "content": block})
        })
        .collect();
    let mut out = Map::new();
    if let Some(description) = &prompt.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("messages".into(), Value::Array(messages));
    out
}

fn resource_not_found(uri: &str, version: ProtocolVersion) -> Failure {
    Failure::rpc(
        ErrorObject::new(
            version.resource_not_found_code(),
            format!("Resource not found: {uri}. Call resources/list or resources/templates/list to see what exists."),
        )
        .with_data(json!({"uri": uri})),
    )
}

pub(super) fn as_params(value: Value) -> Params {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// What a message's parameters name: the tool or prompt (`name`) or the resource URI
/// (`uri`).
pub(crate) fn named_target(params: &Params) -> Option<&str> {
    ["name", "uri"]
        .iter()
        .find_map(|key| params.get(*key).and_then(Value::as_str))
}

/// The reply to a request that a middleware layer answered with nothing (and that was not
/// cancelled), so the client is never left waiting.
pub(super) fn unanswered(id: RequestId) -> Reply {
    Reply::new(
        Response::error(
            Some(id),
            ErrorObject::new(
                crate::jsonrpc::INTERNAL_ERROR,
                "A middleware layer answered this request with nothing.",
            ),
        ),
        500,
    )
}

/// The id of a single request, for replies that answer it before it is handled.
pub(crate) fn incoming_id(incoming: &Incoming) -> Option<RequestId> {
    match incoming {
        Incoming::Single(Ok(Message::Request(req))) => Some(req.id.clone()),
        _ => None,
    }
}

/// The 403 for a caller whose token lacks a scope `tool` requires; `data.requiredScopes`
/// lets the access-control layer name them in its `WWW-Authenticate` challenge.
pub(super) fn insufficient_scope(tool: &crate::tool::Tool) -> Failure {
    Failure::Refused {
        error: ErrorObject::new(
            INVALID_REQUEST,
            format!(
                "Tool `{}` needs the scopes {}; get a token that grants them.",
                tool.name,
                tool.scopes.join(" ")
            ),
        )
        .with_data(json!({"requiredScopes": tool.scopes})),
        status: 403,
    }
}
