//! Access control: who is calling, what they may call, and how a client learns where to
//! get a token.
//!
//! - An [`Auth`] on the [`ServerBuilder`](crate::ServerBuilder) turns it on. Every POST to
//!   the endpoint must then carry `Authorization: Bearer <token>`, which a
//!   [`TokenVerifier`] turns into an [`Identity`]; tokens in the query string are refused.
//! - The bare-message entry points ([`Server::handle_message`](crate::Server::handle_message)
//!   and its siblings) take a [`Caller`]: a token to verify, an identity verified by the
//!   transport, nobody (refused as HTTP without a token is), or a trusted peer.
//! - Failures answer as RFC 6750 says: 401 with `WWW-Authenticate: Bearer
//!   resource_metadata="…"` (and `error="invalid_token"` for a bad token), 403 with
//!   `error="insufficient_scope", scope="…"` for a tool the caller's scopes do not cover.
//! - The RFC 9728 protected-resource metadata is served at
//!   `/.well-known/oauth-protected-resource` and its form suffixed with the endpoint path.
//! - Tools declare scopes ([`Tool::scopes`](crate::Tool::scopes)); a caller sees in
//!   `tools/list` only the tools it may call, and the verified identity reaches handlers
//!   as [`RequestContext::identity`](crate::RequestContext::identity).
//!
//! Two verifiers come with the core: [`JwtVerifier`] for OAuth access tokens (RS256 and
//! ES256 against the issuer's JWKS, with presets for common providers) and [`ApiKeys`]
//! for static keys stored as SHA-256 hashes. [`Auth::from_vars`] builds either from the
//! `EDGEMCP_AUTH_*` variables every host reads.
//!
//! stdio serves the local user who started it, as a [`Caller::trusted`] peer: access
//! control is not applied there.

mod api_key;
mod caller;
mod config;
mod jwt;

pub use caller::Caller;
pub(crate) use caller::{Admission, Admitted, Refusal};

pub(crate) use api_key::is_tenant_name;
pub use api_key::ApiKeys;
pub use jwt::{JwtConfig, JwtVerifier, Preset};

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The subject: a user, a client, a key.
    pub subject: String,
    /// The scopes the token grants.
    pub scopes: BTreeSet<String>,
    /// The tenant, when the token names one.
    pub tenant: Option<String>,
}

impl Identity {
    /// An identity with no scopes and no tenant.
    pub fn new(subject: impl Into<String>) -> Self {
        Identity {
            subject: subject.into(),
            scopes: BTreeSet::new(),
            tenant: None,
        }
    }

    /// Grants `scopes`.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Whether every scope in `required` is granted.
    pub fn has_scopes(&self, required: &[String]) -> bool {
        required.iter().all(|scope| self.scopes.contains(scope))
    }
}

/// Why a token was refused. The message goes back to the client in
/// `error_description`, so it never repeats the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRejected(String);

impl TokenRejected {
    /// A refusal with a reason the client may read.
    pub fn new(reason: impl Into<String>) -> Self {
        TokenRejected(reason.into())
    }

    /// The reason.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Turns a bearer token into an [`Identity`], or refuses it.
pub trait TokenVerifier: MaybeSend + MaybeSync {
    /// Verifies `token`. A verifier that cannot decide (its key source is down) refuses:
    /// an unverified token never passes.
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Identity, TokenRejected>>;

    /// The circuit breakers in front of what the verifier fetches (an issuer's keys), for
    /// a host's readiness report. None by default.
    fn breakers(&self) -> Vec<Arc<crate::storage::CircuitBreaker>> {
        Vec::new()
    }
}

/// Access control for a server: its canonical resource URI, who issues its tokens, and
/// the verifier that checks them.
///
/// ```
/// use edgemcp::auth::{ApiKeys, Auth};
///
/// // The SHA-256 of the key "secret-key", in hex.
/// let keys = ApiKeys::from_hashes(
///     ["85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa"],
///     ["mcp:read"],
/// )?;
/// let auth = Auth::new("https://mcp.example.com/mcp", keys);
/// let server = edgemcp::Server::builder("demo", "1.0.0")
///     .auth(auth)
///     .build(edgemcp::runtime::Runtime::for_tests(0))?;
/// # let _ = server;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Clone)]
pub struct Auth {
    resource: String,
    authorization_servers: Vec<String>,
    scopes_supported: Vec<String>,
    verifier: Arc<dyn TokenVerifier>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("resource", &self.resource)
            .field("authorization_servers", &self.authorization_servers)
            .field("scopes_supported", &self.scopes_supported)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Access control for the resource at `resource` (the canonical URI of the MCP
    /// endpoint, such as `https://mcp.example.com/mcp`), checked by `verifier`.
    pub fn new(resource: impl Into<String>, verifier: impl TokenVerifier + 'static) -> Self {
        Auth {
            resource: resource.into(),
            authorization_servers: Vec::new(),
            scopes_supported: Vec::new(),
            verifier: Arc::new(verifier),
        }
    }

    /// Names an authorization server clients get tokens from (the issuer).
    pub fn authorization_server(mut self, issuer: impl Into<String>) -> Self {
        self.authorization_servers.push(issuer.into());
        self
    }

    /// The scopes this resource understands, advertised in its metadata.
    pub fn scopes_supported<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes_supported
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The canonical resource URI.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// Verifies `token` as an HTTP request's bearer token would be, for hosts that guard
    /// endpoints of their own (such as `/metrics`) with the same tokens.
    pub async fn verify(&self, token: &str) -> Result<Identity, TokenRejected> {
        self.verifier.verify(token).await
    }

    /// The circuit breakers of the verifier (the JWKS fetch of `jwt`), for `/ready`.
    pub fn breakers(&self) -> Vec<Arc<crate::storage::CircuitBreaker>> {
        self.verifier.breakers()
    }

    pub(crate) fn verifier(&self) -> &dyn TokenVerifier {
        self.verifier.as_ref()
    }

    /// The RFC 9728 protected-resource metadata document.
    pub(crate) fn metadata(&self) -> Value {
        json!({
            "resource": self.resource,
            "authorization_servers": self.authorization_servers,
            "scopes_supported": self.scopes_supported,
            "bearer_methods_supported": ["header"],
        })
    }

    /// Where the metadata is served: the resource's origin, the well-known path, then the
    /// resource's own path (RFC 9728 §3.1).
    pub(crate) fn metadata_url(&self) -> String {
        let (origin, path) = split_origin(&self.resource);
        format!("{origin}/.well-known/oauth-protected-resource{path}")
    }
}

/// `https://host:port` and `/path` of a URI (the path without a trailing `/`).
fn split_origin(uri: &str) -> (&str, &str) {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    match uri[after_scheme..].find('/') {
        Some(slash) => {
            let at = after_scheme + slash;
            (&uri[..at], uri[at..].trim_end_matches('/'))
        }
        None => (uri, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_lives_under_the_resource_origin_with_its_path() {
        assert_eq!(
            split_origin("https://mcp.example.com/mcp"),
            ("https://mcp.example.com", "/mcp")
        );
        assert_eq!(
            split_origin("http://127.0.0.1:8080"),
            ("http://127.0.0.1:8080", "")
        );
        assert_eq!(
            split_origin("https://a.example/v1/mcp/"),
            ("https://a.example", "/v1/mcp")
        );
        let identity = Identity::new("ada").with_scopes(["mcp:read"]);
        assert!(identity.has_scopes(&["mcp:read".to_owned()]));
        assert!(!identity.has_scopes(&["mcp:read".to_owned(), "mcp:write".to_owned()]));
        assert!(identity.has_scopes(&[]));
    }
}
