//! Access control at the transport: reading bearer tokens, the RFC 9728 metadata. The
//! tokens are checked, and challenges written, by the access-control layer.

use super::{HttpRequest, HttpResponse};
use crate::auth::{Admission, Caller, Refusal};
use crate::Server;
use std::sync::Arc;

/// Where RFC 9728 puts the protected-resource metadata.
const METADATA_PATH: &str = "/.well-known/oauth-protected-resource";

impl Server {
    /// The metadata document, when `path` asks for it and access control is on: at the
    /// well-known path, bare or followed by the endpoint path.
    pub(super) fn protected_resource_metadata(&self, path: &str) -> Option<HttpResponse> {
        let auth = self.auth()?;
        let suffix = path.strip_prefix(METADATA_PATH)?;
        if !(suffix.is_empty() || suffix == self.http_config().endpoint) {
            return None;
        }
        let mut response = super::handle::json_response(200, &auth.metadata());
        // Clients in browsers read it before they have a token.
        response
            .headers
            .push(("access-control-allow-origin", "*".to_owned()));
        Some(response)
    }

    /// The credentials `req` carries, for the access-control layer to check. Without
    /// access control they are not looked at. A token in the URL, or an `Authorization`
    /// header that is not `Bearer`, is refused whatever else the request holds.
    pub(super) fn credentials(&self, req: &HttpRequest) -> Arc<Admission> {
        if self.auth().is_none() {
            return Admission::new(Caller::anonymous());
        }
        if query_has_token(&req.path) {
            return Admission::refused(Refusal::TokenInQuery);
        }
        match req.header_value("authorization") {
            None => Admission::new(Caller::anonymous()),
            Some(value) => match bearer_token(value) {
                Some(token) => Admission::new(Caller::bearer(token)),
                None => Admission::refused(Refusal::NotBearer),
            },
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value (the scheme in any case).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Whether the URL carries a token as `access_token` (RFC 6750 §2.3, which OAuth 2.1
/// forbids).
fn query_has_token(path: &str) -> bool {
    path.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| {
            pair.split('=')
                .next()
                .is_some_and(|key| key.eq_ignore_ascii_case("access_token"))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bearer_tokens_and_spots_tokens_in_urls() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert!(query_has_token("/mcp?access_token=x"));
        assert!(query_has_token("/mcp?a=1&ACCESS_TOKEN=x"));
        assert!(!query_has_token("/mcp?token_hint=x"));
        assert!(!query_has_token("/mcp"));
    }
}
