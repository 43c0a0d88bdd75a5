use super::{BoxFuture, MaybeSend, MaybeSync};

/// What an HTTP GET brought back: the status and at most the bytes asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The HTTP status code.
    pub status: u16,
    /// The response body.
    pub body: Vec<u8>,
}

/// Outbound HTTP GET, from the host: `fetch` on Workers and in JavaScript hosts, an HTTPS
/// client natively.
///
/// The core fetches little by itself: an issuer's discovery document and signing keys
/// (JWKS) when bearer tokens are JWTs. It decides which URLs are acceptable before it
/// asks; a client only fetches.
///
/// The core calls it through [`Runtime::http_get`](super::Runtime::http_get), which adds
/// the trace context headers.
pub trait HttpClient: MaybeSend + MaybeSync {
    /// GETs `url` with the extra request `headers` (`traceparent`, `tracestate`),
    /// following redirects as the host does.
    ///
    /// # Errors
    /// An [`ErrorKind::Upstream`](crate::ErrorKind::Upstream) error when the request
    /// fails or the body is longer than `max_bytes`.
    fn get<'a>(
        &'a self,
        url: &'a str,
        headers: &'a [(&'static str, String)],
        max_bytes: usize,
    ) -> BoxFuture<'a, crate::Result<Fetched>>;
}
