//! `edgemcp serve`: Streamable HTTP on a TCP port, with a graceful drain.

use crate::log;
use bytes::Bytes;
use edgemcp::http::{HttpBody, HttpRequest, HttpResponse};
use edgemcp::Server;
use futures_util::StreamExt;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::json;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long in-flight requests may take to finish after SIGTERM or SIGINT.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

type ResponseBody = UnsyncBoxBody<Bytes, Infallible>;

/// Who may read `/metrics`: holders of `EDGEMCP_METRICS_TOKEN` when one is set; else the
/// callers the server's access control admits; else anyone, as the MCP endpoint itself.
#[derive(Clone, Default)]
pub struct MetricsAccess {
    token: Option<Arc<str>>,
}

impl MetricsAccess {
    /// Access for holders of `token` as a bearer token, or by the server's own rules.
    pub fn new(token: Option<String>) -> Self {
        MetricsAccess {
            token: token.map(Into::into),
        }
    }
}

/// How much a listener takes on at once before it sheds load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capacity {
    /// MCP requests handled at once (`EDGEMCP_MAX_IN_FLIGHT`); one more gets 503 with
    /// `Retry-After` at once instead of waiting in a queue. `/health`, `/ready` and
    /// `/metrics` are not counted, so probes keep answering under load.
    pub max_in_flight: usize,
    /// Open connections (`EDGEMCP_MAX_CONNECTIONS`); beyond it the listener stops
    /// accepting, and new connections wait in the kernel's backlog until one closes.
    pub max_connections: usize,
}

impl Capacity {
    /// The capacity when nothing is configured.
    pub const DEFAULT: Capacity = Capacity {
        max_in_flight: 512,
        max_connections: 1024,
    };
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity::DEFAULT
    }
}

/// What a listener serves: everything, or only `/metrics` (`EDGEMCP_METRICS_PORT`).
#[derive(Clone, Default)]
pub struct ServeOptions {
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// Serve `/metrics` only, as a separate metrics port does.
    pub metrics_only: bool,
    /// When to shed load.
    pub capacity: Capacity,
    /// How many proxies in front of the server append the address they saw to
    /// `X-Forwarded-For` (`EDGEMCP_TRUSTED_PROXIES`, default 0): the client's address is
    /// the one the outermost of them appended. With 0 it is the socket peer, and the
    /// header, which any client can write, is ignored.
    pub trusted_proxies: usize,
}

/// The address a connection came from, handed to each of its requests.
#[derive(Clone)]
struct Peer(String);

/// What the routes of one listener share.
#[derive(Clone)]
struct Shared {
    options: Arc<ServeOptions>,
    in_flight: Arc<Semaphore>,
}

/// Serves `server` on `listener` until SIGTERM or SIGINT, then stops accepting, lets
/// in-flight requests finish (up to [`DRAIN_TIMEOUT`]) and returns.
///
/// # Errors
/// When accepting connections fails for good.
pub async fn run(server: Server, listener: TcpListener) -> std::io::Result<()> {
    run_with(server, listener, ServeOptions::default()).await
}

/// [`run`] with `options`.
///
/// # Errors
/// When accepting connections fails for good.
pub async fn run_with(
    server: Server,
    listener: TcpListener,
    options: ServeOptions,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown_signal());
    let connections = Arc::new(Semaphore::new(options.capacity.max_connections.max(1)));
    let shared = Shared {
        in_flight: Arc::new(Semaphore::new(options.capacity.max_in_flight.max(1))),
        options: Arc::new(options),
    };
    loop {
        tokio::select! {
            accepted = accept(&listener, &connections) => {
                let (stream, slot) = match accepted {
                    Ok(conn) => conn,
                    Err(err) => {
                        log::error("accept failed", &[("error", err.to_string().into())]);
                        continue;
                    }
                };
                let (server, shared) = (server.clone(), shared.clone());
                let peer = stream.peer_addr().ok().map(|a| Peer(a.ip().to_string()));
                let service = service_fn(move |mut req: hyper::Request<Incoming>| {
                    if let Some(peer) = &peer {
                        req.extensions_mut().insert(peer.clone());
                    }
                    let (server, shared) = (server.clone(), shared.clone());
                    async move { Ok::<_, Infallible>(route(&server, &shared, req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(slot);
                });
            }
            signal = &mut shutdown => {
                log::info("shutting down: draining in-flight requests", &[("signal", signal.into())]);
                break;
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => log::info("drained", &[]),
        () = tokio::time::sleep(DRAIN_TIMEOUT) => log::error("drain timed out; closing the remaining connections", &[]),
    }
    Ok(())
}

/// The next connection, once there is room for one.
async fn accept(
    listener: &TcpListener,
    connections: &Arc<Semaphore>,
) -> std::io::Result<(tokio::net::TcpStream, OwnedSemaphorePermit)> {
    let slot = connections
        .clone()
        .acquire_owned()
        .await
        .map_err(std::io::Error::other)?;
    let (stream, _) = listener.accept().await?;
    Ok((stream, slot))
}

async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// `/metrics`, `/ready`, or everything else the core serves, within the capacity.
async fn route(
    server: &Server,
    shared: &Shared,
    req: hyper::Request<Incoming>,
) -> hyper::Response<ResponseBody> {
    let options = &shared.options;
    if req.uri().path() == "/metrics" && req.method() == hyper::Method::GET {
        return metrics(server, &options.metrics, &req).await;
    }
    if options.metrics_only {
        return text(404, "Only /metrics is served on this port.\n");
    }
    if matches!(req.uri().path(), "/health" | "/ready") {
        return handle(server, req).await;
    }
    let mut req = req;
    if options.trusted_proxies > 0 {
        let forwarded = forwarded_client(req.headers(), options.trusted_proxies);
        if let Some(address) = forwarded {
            req.extensions_mut().insert(Peer(address));
        }
    }
    let Ok(permit) = shared.in_flight.clone().try_acquire_owned() else {
        return overloaded(options.capacity.max_in_flight);
    };
    let response = handle(server, req).await;
    // A whole body is done: answered with its length, its place is given back now.
    if hyper::body::Body::size_hint(response.body())
        .exact()
        .is_some()
    {
        return response;
    }
    // A streamed (SSE) reply is still being produced while its body is sent: the request
    // holds its place until the body is done.
    response.map(|body| {
        body.map_frame(move |frame| {
            let _held = &permit;
            frame
        })
        .boxed_unsync()
    })
}

/// The address the outermost of `hops` trusted proxies appended to `X-Forwarded-For`:
/// counted from the right, since entries further left came from the client and may be
/// anything. `None` when the header has fewer entries than that (the request did not
/// come through the proxies).
fn forwarded_client(headers: &hyper::HeaderMap, hops: usize) -> Option<String> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let index = entries.len().checked_sub(hops)?;
    entries
        .get(index)?
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| ip.to_string())
}

/// The answer when `max_in_flight` requests are already running: 503 at once, with a hint
/// of when to retry, and a JSON-RPC error body that MCP clients can show.
fn overloaded(max_in_flight: usize) -> hyper::Response<ResponseBody> {
    log::warn(
        "load shed: too many requests in flight",
        &[("max_in_flight", max_in_flight.into())],
    );
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {
            "code": edgemcp::jsonrpc::INTERNAL_ERROR,
            "message": format!("The server is handling its limit of {max_in_flight} requests; retry in a second."),
        },
    });
    let mut response = text(503, &body.to_string());
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from_static("1"),
    );
    response
}

/// The Prometheus text of the process's metrics, for a caller `access` lets in.
async fn metrics(
    server: &Server,
    access: &MetricsAccess,
    req: &hyper::Request<Incoming>,
) -> hyper::Response<ResponseBody> {
    let token = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let allowed = match (&access.token, server.auth()) {
        (Some(expected), _) => token
            .is_some_and(|t| edgemcp::redact::constant_time_eq(t.as_bytes(), expected.as_bytes())),
        (None, Some(auth)) => match token {
            Some(token) => auth.verify(token).await.is_ok(),
            None => false,
        },
        (None, None) => true,
    };
    if !allowed {
        return text(401, "/metrics needs `Authorization: Bearer <token>`.\n");
    }
    let mut response = text(200, &crate::metrics::registry().render());
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn text(status: u16, body: &str) -> hyper::Response<ResponseBody> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_owned())).boxed_unsync());
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// Converts, dispatches and converts back. Each MCP message is logged by the core's
/// request log; a request refused before that (no token, a bad body, an unknown path)
/// gets one line here.
pub async fn handle(
    server: &Server,
    req: hyper::Request<Incoming>,
) -> hyper::Response<ResponseBody> {
    let started = Instant::now();
    let request = into_core(server, req).await;
    let (method, path) = (request.method.clone(), request.path.clone());
    let response = server.handle_http(request).await;
    if response.status >= 400 {
        let request_id = response.header_value("x-request-id").unwrap_or_default();
        log::warn(
            "http request refused",
            &[
                ("request_id", request_id.into()),
                ("http_method", method.into()),
                ("path", path.split('?').next().unwrap_or("").into()),
                ("http_status", response.status.into()),
                (
                    "duration_ms",
                    json!(started.elapsed().as_secs_f64() * 1000.0),
                ),
            ],
        );
    }
    from_core(response)
}

/// The core's request for a hyper request. A body over the server's limit is not read:
/// the request then carries a `content-length` past the limit, and the core answers 413.
pub(crate) async fn into_core(server: &Server, req: hyper::Request<Incoming>) -> HttpRequest {
    let limit = server.http_config().max_body_bytes;
    let (parts, body) = req.into_parts();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
            headers.push(("content-length".to_owned(), (limit + 1).to_string()));
            Vec::new()
        }
    };
    HttpRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()),
        headers,
        remote_addr: parts.extensions.get::<Peer>().map(|peer| peer.0.clone()),
        body,
    }
}

/// A hyper response for the core's response; SSE streams as it is produced.
pub(crate) fn from_core(response: HttpResponse) -> hyper::Response<ResponseBody> {
    let body: ResponseBody = match response.body {
        HttpBody::Empty => Empty::new().boxed_unsync(),
        HttpBody::Full(bytes) => Full::new(Bytes::from(bytes)).boxed_unsync(),
        HttpBody::Sse(stream) => StreamBody::new(
            stream.map(|chunk| Ok::<_, Infallible>(Frame::data(Bytes::from(chunk)))),
        )
        .boxed_unsync(),
    };
    let mut out = hyper::Response::new(body);
    *out.status_mut() = hyper::StatusCode::from_u16(response.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            out.headers_mut().append(name, value);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::forwarded_client;

    fn headers(values: &[&str]) -> hyper::HeaderMap {
        let mut map = hyper::HeaderMap::new();
        for v in values {
            map.append(
                "x-forwarded-for",
                v.parse().unwrap_or_else(|_| unreachable!()),
            );
        }
        map
    }

    #[test]
    fn the_client_is_what_the_outermost_trusted_proxy_saw() {
        // A client that writes its own header cannot choose its address.
        let h = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(forwarded_client(&h, 1).as_deref(), Some("203.0.113.7"));
        // Two proxies: the load balancer appended its own address last.
        let h = headers(&["6.6.6.6, 203.0.113.7", "10.0.0.1"]);
        assert_eq!(forwarded_client(&h, 2).as_deref(), Some("203.0.113.7"));
        assert_eq!(forwarded_client(&headers(&[]), 1), None);
        assert_eq!(
            forwarded_client(&headers(&["10.0.0.1"]), 2),
            None,
            "fewer hops than trusted"
        );
        assert_eq!(forwarded_client(&headers(&["not-an-address"]), 1), None);
        assert_eq!(
            forwarded_client(&headers(&["2001:db8::1"]), 1).as_deref(),
            Some("2001:db8::1")
        );
    }
}
