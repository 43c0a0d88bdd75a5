//! Outbound GETs for the core (an issuer's discovery document and keys), over reqwest with
//! rustls and the platform's root certificates.

use edgemcp::runtime::{BoxFuture, Fetched, HttpClient};
use edgemcp::{Error, ErrorKind};
use std::sync::OnceLock;
use std::time::Duration;

/// A reqwest client that never follows redirects: a JWKS URL that moves is a
/// configuration to fix, and following could downgrade HTTPS to plain HTTP.
///
/// Made on the first request, not at start: loading the platform's root certificates
/// takes milliseconds that a server which never fetches anything should not wait for
/// before its first answer.
pub(crate) struct ReqwestClient(OnceLock<Result<reqwest::Client, String>>);

impl ReqwestClient {
    pub(crate) fn new() -> Self {
        ReqwestClient(OnceLock::new())
    }

    fn client(&self) -> edgemcp::Result<&reqwest::Client> {
        self.0
            .get_or_init(|| {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(Duration::from_secs(10))
                    .user_agent(concat!("edgemcp/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Internal,
                    format!("the HTTP client could not start: {e}"),
                )
            })
    }
}

impl HttpClient for ReqwestClient {
    fn get<'a>(
        &'a self,
        url: &'a str,
        headers: &'a [(&'static str, String)],
        max_bytes: usize,
    ) -> BoxFuture<'a, edgemcp::Result<Fetched>> {
        Box::pin(async move {
            let failed = |e: reqwest::Error| {
                Error::new(ErrorKind::Upstream, format!("GET {url} failed: {e}"))
            };
            let mut request = self.client()?.get(url);
            for (name, value) in headers {
                request = request.header(*name, value.as_str());
            }
            let response = request.send().await.map_err(failed)?;
            let status = response.status().as_u16();
            let body = read_capped(response, max_bytes).await.map_err(failed)?;
            let body = body.ok_or_else(|| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("GET {url}: the body is longer than {max_bytes} bytes"),
                )
            })?;
            Ok(Fetched { status, body })
        })
    }
}

/// The body of `response`, read chunk by chunk; `None` as soon as it passes `max_bytes`,
/// so an endless body is never held in memory.
///
/// # Errors
/// reqwest's error when the body cannot be read.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    max_bytes: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max_bytes {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
