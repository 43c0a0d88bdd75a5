//! AWS Lambda: the same router behind API Gateway (REST and HTTP APIs), Function URLs and
//! ALB, through `lambda_http`.
//!
//! Lambda buffers responses, so an SSE body is collected before it is returned; clients
//! still receive a valid `text/event-stream` body, all at once.

use edgemcp::http::{HttpBody, HttpRequest};
use edgemcp::Server;
use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use std::convert::Infallible;

/// Runs the Lambda event loop until the runtime stops it.
///
/// # Errors
/// When the Lambda runtime API cannot be reached.
pub async fn run(server: Server) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(move |req: Request| {
        let server = server.clone();
        async move {
            let response = handle(&server, req).await;
            // Lambda may freeze the process as soon as the response is out.
            crate::telemetry::flush(std::time::Duration::from_secs(2)).await;
            let _ = tokio::task::spawn_blocking(crate::log::flush).await;
            response
        }
    }))
    .await
}

/// The caller's address as API Gateway or a function URL saw it.
fn source_ip(extensions: &lambda_http::http::Extensions) -> Option<String> {
    use lambda_http::request::RequestContext;
    match extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(context) => context.identity.source_ip.clone(),
        _ => None,
    }
}

/// Answers one Lambda HTTP event.
///
/// # Errors
/// Never: every failure is an HTTP response.
pub async fn handle(server: &Server, req: Request) -> Result<Response<Body>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body {
        Body::Empty => Vec::new(),
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        // `Body` is non-exhaustive; any future variant is treated as no body.
        _ => Vec::new(),
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        // API Gateway REST APIs put the stage in the path (`/prod/mcp`); routes do not.
        path: match parts.uri.query() {
            Some(query) => format!("{}?{query}", parts.raw_http_path()),
            None => parts.raw_http_path().to_owned(),
        },
        headers: parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
        remote_addr: source_ip(&parts.extensions),
    };
    let mut response = server.handle_http(request).await;
    let status = response.status;
    let textual = response
        .header_value("content-type")
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/"));
    let headers = std::mem::take(&mut response.headers);
    let body = match response.body {
        HttpBody::Empty => Body::Empty,
        _ => {
            let bytes = response.collect_body().await;
            if textual {
                match String::from_utf8(bytes) {
                    Ok(text) => Body::Text(text),
                    Err(err) => Body::Binary(err.into_bytes()),
                }
            } else {
                Body::Binary(bytes)
            }
        }
    };
    let mut out = Response::new(body);
    *out.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.headers_mut().append(name, value);
        }
    }
    Ok(out)
}
