//! The request handler: routing, transport checks, then dispatch.

use super::headers::{check_param_headers, decode_header_value, is_json_content_type, Accepts};
use super::sse::SseStream;
use super::{HttpBody, HttpRequest, HttpResponse};
use crate::jsonrpc::{self, ErrorObject, Incoming, Message, Request, Response, INVALID_REQUEST};
use crate::middleware::TraceContext;
use crate::protocol::{methods, ProtocolVersion, META_LOG_LEVEL};
use crate::runtime::BoxFuture;
use crate::server::{Notifier, Outcome, Reply};
use crate::telemetry::{in_span, OpenSpan, Parent, SpanKind};
use crate::tool::{is_token_char, Tool};
use crate::Server;
use futures_channel::mpsc::UnboundedReceiver;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::sync::Arc;

/// Request headers a browser client may send, answered in CORS preflights.
const ALLOWED_HEADERS: &str =
    "content-type, accept, authorization, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id, traceparent, tracestate, x-request-id";
/// Response headers a browser client may read.
const EXPOSED_HEADERS: &str =
    "mcp-protocol-version, mcp-session-id, www-authenticate, x-request-id";
const ALLOWED_METHODS: &str = "POST, OPTIONS";

impl Server {
    /// Answers one HTTP request: the MCP endpoint, the health check, the readiness check
    /// (when configured), CORS preflights.
    ///
    /// Never fails and never panics: every malformed request gets a status and a
    /// JSON-RPC error body that says what to fix.
    ///
    /// ```
    /// use edgemcp::{Server, http::HttpRequest, runtime::Runtime};
    ///
    /// let server = Server::builder("demo", "1.0.0").build(Runtime::for_tests(0)).unwrap();
    /// let request = HttpRequest::new("POST", "/mcp")
    ///     .header("content-type", "application/json")
    ///     .header("accept", "application/json, text/event-stream")
    ///     .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    /// let response = futures_executor::block_on(server.handle_http(request));
    /// assert_eq!(response.status, 200);
    /// ```
    pub async fn handle_http(&self, req: HttpRequest) -> HttpResponse {
        let config = self.http_config();
        let path = req.path.split('?').next().unwrap_or("");
        let method = req.method.to_ascii_uppercase();
        if path == config.health_path && (method == "GET" || method == "HEAD") {
            let body =
                json!({"status": "ok", "name": self.info().name, "version": self.info().version});
            return json_response(200, &body);
        }
        if path == config.ready_path && (method == "GET" || method == "HEAD") {
            if let Some((ready, body)) = self.check_readiness().await {
                return json_response(if ready { 200 } else { 503 }, &body);
            }
        }
        if method == "GET" || method == "HEAD" {
            if let Some(metadata) = self.protected_resource_metadata(path) {
                return metadata;
            }
        }
        if path != config.endpoint {
            return error_response(
                404,
                None,
                format!(
                    "Nothing is served at {path}; the MCP endpoint is {}.",
                    config.endpoint
                ),
            );
        }
        let origin = req.header_value("origin").map(str::to_owned);
        if let Some(origin) = &origin {
            if !config.origin_allowed(origin) {
                return error_response(
                    403,
                    None,
                    format!("Origin {origin} is not allowed to call this server."),
                );
            }
        }
        let mut response = match method.as_str() {
            "OPTIONS" => preflight(&req),
            "POST" => {
                let trace =
                    TraceContext::from_headers(|name| req.header_value(name), self.runtime())
                        .with_client_address(req.remote_addr.clone());
                let recorded = trace.sampled() && self.runtime().spans().is_some();
                let trace = Arc::new(trace.with_transport_span(recorded));
                let mut span = OpenSpan::of_trace(
                    self.runtime(),
                    &trace,
                    || format!("POST {}", config.endpoint),
                    SpanKind::Server,
                );
                if let Some(span) = &mut span {
                    span.set("http.request.method", "POST");
                    span.set("url.path", config.endpoint.clone());
                    if let Some(address) = &req.remote_addr {
                        span.set("client.address", address.clone());
                    }
                }
                let request_id = trace.request_id().to_owned();
                let parent = Parent::of_trace(&trace);
                let mut response = in_span(parent, Box::pin(self.post(req, trace))).await;
                if let Some(mut span) = span {
                    span.set("http.response.status_code", i64::from(response.status));
                    if response.status >= 500 {
                        span.fail(format!("HTTP {}", response.status));
                    }
                    span.end();
                }
                response.headers.push(("x-request-id", request_id));
                response
            }
            _ => {
                let mut response = error_response(
                    405,
                    None,
                    format!("{method} is not supported: this server is stateless and answers POST only."),
                );
                response.headers.push(("allow", ALLOWED_METHODS.to_owned()));
                response
            }
        };
        if let Some(origin) = origin {
            response
                .headers
                .push(("access-control-allow-origin", origin));
            response
                .headers
                .push(("access-control-expose-headers", EXPOSED_HEADERS.to_owned()));
            response.headers.push(("vary", "Origin".to_owned()));
        }
        response
    }

    async fn post(&self, req: HttpRequest, trace: Arc<TraceContext>) -> HttpResponse {
        let limit = self.http_config().max_body_bytes;
        let declared = req
            .header_value("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if req.body.len() > limit || declared.is_some_and(|n| n > limit as u64) {
            let size = declared
                .unwrap_or(req.body.len() as u64)
                .max(req.body.len() as u64);
            return error_response(
                413,
                None,
                format!("The body is {size} bytes; this server accepts at most {limit}."),
            );
        }
        if !is_json_content_type(req.header_value("content-type")) {
            return error_response(
                415,
                None,
                "Content-Type must be application/json.".to_owned(),
            );
        }
        let accepts = Accepts::parse(req.header_value("accept"));
        if !accepts.json && !accepts.event_stream {
            return error_response(
                406,
                None,
                "Accept must allow application/json or text/event-stream.".to_owned(),
            );
        }
        let admission = self.credentials(&req);
        let incoming = jsonrpc::parse(&req.body);
        let header_version = match req.header_value("mcp-protocol-version") {
            None => None,
            Some(text) => match text.trim().parse::<ProtocolVersion>() {
                Ok(v) => Some(v),
                Err(_) => {
                    // The error still names the request it answers.
                    return reply_response(crate::server::unsupported_version_reply(
                        crate::server::incoming_id(&incoming),
                        text.trim(),
                    ));
                }
            },
        };
        let request = match incoming {
            Incoming::Single(Ok(Message::Request(request))) => request,
            other => {
                return match self
                    .incoming_as(other, header_version, admission, trace)
                    .await
                {
                    Outcome::Accepted => HttpResponse {
                        status: 202,
                        headers: Vec::new(),
                        body: HttpBody::Empty,
                    },
                    Outcome::One(reply) => reply_response(reply),
                    Outcome::Batch(responses) => json_response(200, &responses),
                }
            }
        };
        let version = match crate::server::resolve_request(&request, header_version) {
            Ok(version) => version,
            Err(reply) => return reply_response(*reply),
        };
        // Answered inside the chain, once the caller is admitted.
        let header_mismatch = if version.is_stateless() {
            let tool = self.called_tool(&request);
            check_stateless_headers(&req, &request, tool).err()
        } else {
            None
        };
        let meta = request.params.get("_meta").and_then(Value::as_object);
        let wants_stream =
            meta.is_some_and(|m| m.contains_key("progressToken") || m.contains_key(META_LOG_LEVEL));
        let server = self.clone();
        // The request through the chain, on the link the answer's form decides.
        let through_chain = move |link| async move {
            server
                .request_through_chain(
                    request,
                    header_version,
                    link,
                    admission,
                    trace,
                    header_mismatch,
                )
                .await
        };
        if !(accepts.event_stream && (wants_stream || !accepts.json)) {
            return reply_response(through_chain(self.link(None)).await);
        }
        let (sink, mut notifications) = futures_channel::mpsc::unbounded();
        let sink: Arc<dyn Notifier> = Arc::new(ChannelNotifier(sink));
        let mut reply: BoxFuture<'static, Reply> = Box::pin(through_chain(self.link(Some(sink))));
        // The status is not fixed until something is sent: a request refused before it
        // runs (no token, a missing scope, a limit) is answered as JSON with its status.
        // The first notification, or a 200 reply, is sent as the stream asked for.
        let finished = match select(notifications.next(), reply.as_mut()).await {
            Either::Left((Some(note), _)) => return event_stream(Some(note), notifications, reply),
            Either::Left((None, _)) => reply.await,
            Either::Right((finished, _)) => finished,
        };
        // Notifications sent on the way to a reply that came at once still go out first.
        let queued = notifications.try_recv().ok();
        if queued.is_none() && finished.http_status != 200 {
            return reply_response(finished);
        }
        event_stream(
            queued,
            notifications,
            Box::pin(std::future::ready(finished)),
        )
    }
}

/// A 200 answer streaming `first`, then the request's other notifications, then its reply.
fn event_stream(
    first: Option<Value>,
    notifications: UnboundedReceiver<Value>,
    reply: BoxFuture<'static, Reply>,
) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![
            ("content-type", "text/event-stream".to_owned()),
            ("cache-control", "no-cache".to_owned()),
            ("x-accel-buffering", "no".to_owned()),
        ],
        body: HttpBody::Sse(Box::pin(SseStream::new(first, notifications, reply))),
    }
}

/// Checks the `Mcp-Method` and `Mcp-Name` headers stateless requests must carry, and
/// the `Mcp-Param-*` headers of the tool a `tools/call` names.
fn check_stateless_headers(
    req: &HttpRequest,
    request: &Request,
    tool: Option<&Tool>,
) -> Result<(), String> {
    match req.header_value("mcp-method") {
        None => {
            return Err(
                "The Mcp-Method header is missing; it must repeat the JSON-RPC method.".to_owned(),
            )
        }
        Some(method) if method != request.method => {
            return Err(format!(
                "The Mcp-Method header says {method:?} but the body's method is {:?}.",
                request.method
            ))
        }
        Some(_) => {}
    }
    let named = match request.method.as_str() {
        methods::TOOLS_CALL | methods::PROMPTS_GET => request.params.get("name"),
        methods::RESOURCES_READ => request.params.get("uri"),
        methods::TASKS_GET | methods::TASKS_UPDATE | methods::TASKS_CANCEL => {
            request.params.get("taskId")
        }
        _ => return Ok(()),
    };
    let Some(expected) = named.and_then(Value::as_str) else {
        // The body itself is malformed; dispatch reports that with -32602.
        return Ok(());
    };
    match req.header_value("mcp-name").map(decode_header_value) {
        None => Err(format!(
            "The Mcp-Name header is missing; for {} it must repeat {expected:?}.",
            request.method
        )),
        Some(None) => Err("The Mcp-Name header is not valid `=?base64?…?=` text.".to_owned()),
        Some(Some(name)) if name != expected => Err(format!(
            "The Mcp-Name header says {name:?} but the body names {expected:?}."
        )),
        Some(Some(_)) => match tool {
            Some(tool) => check_param_headers(req, &tool.mirrored, request.params.get("arguments")),
            None => Ok(()),
        },
    }
}

fn preflight(req: &HttpRequest) -> HttpResponse {
    // Mirrored tool parameters travel in `Mcp-Param-{Name}` headers named by the tools'
    // schemas, so the ones a browser asks about are allowed too.
    let mut allowed = ALLOWED_HEADERS.to_owned();
    let requested = req
        .header_value("access-control-request-headers")
        .unwrap_or_default();
    for name in requested
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
    {
        let is_param = name
            .strip_prefix("mcp-param-")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_token_char));
        if is_param {
            allowed.push_str(", ");
            allowed.push_str(&name);
        }
    }
    HttpResponse {
        status: 204,
        headers: vec![
            ("access-control-allow-methods", ALLOWED_METHODS.to_owned()),
            ("access-control-allow-headers", allowed),
            ("access-control-max-age", "86400".to_owned()),
        ],
        body: HttpBody::Empty,
    }
}

fn reply_response(mut reply: Reply) -> HttpResponse {
    // A rate-limited request says when to come back, in the header HTTP clients read.
    let retry = (reply.http_status == 429)
        .then(|| reply.response.outcome.as_ref().err())
        .flatten()
        .and_then(|e| e.data.as_ref()?.get("retryAfterSeconds")?.as_u64());
    let challenge = reply.www_authenticate.take();
    let mut response = json_bytes_response(reply.http_status, reply.into_json());
    if let Some(seconds) = retry {
        response.headers.push(("retry-after", seconds.to_string()));
    }
    if let Some(challenge) = challenge {
        response.headers.push(("www-authenticate", challenge));
    }
    response
}

pub(super) fn json_response(status: u16, body: &impl serde::Serialize) -> HttpResponse {
    json_bytes_response(status, serde_json::to_vec(body).unwrap_or_default())
}

fn json_bytes_response(status: u16, body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type", "application/json".to_owned())],
        body: HttpBody::Full(body),
    }
}

/// A transport-level refusal, with a JSON-RPC error body so clients can show the reason.
fn error_response(status: u16, id: Option<jsonrpc::RequestId>, message: String) -> HttpResponse {
    json_response(
        status,
        &Response::error(id, ErrorObject::new(INVALID_REQUEST, message)),
    )
}

/// The notifications of a request answered as a stream, on their way to the stream.
struct ChannelNotifier(futures_channel::mpsc::UnboundedSender<Value>);

impl Notifier for ChannelNotifier {
    fn notify(&self, message: Value) {
        // A closed stream has no reader left to tell.
        let _ = self.0.unbounded_send(message);
    }
}
