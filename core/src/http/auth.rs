//! Access control at the transport: bearer tokens, challenges, the RFC 9728 metadata.

use super::{HttpRequest, HttpResponse};
use crate::auth::{admit, Admitted, Auth, Caller, Refusal};
use crate::jsonrpc::{Request, Response};
use crate::Server;

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

    /// Who sent `req`: `Ok(None)` without access control, the verified identity with it,
    /// or the refusal to send back.
    pub(super) async fn authenticate(&self, req: &HttpRequest) -> Result<Admitted, HttpResponse> {
        let Some(auth) = self.auth() else {
            return Ok(None);
        };
        let caller = if query_has_token(&req.path) {
            Err(Refusal::TokenInQuery)
        } else {
            match req.header_value("authorization") {
                None => Ok(Caller::anonymous()),
                Some(value) => bearer_token(value)
                    .map(Caller::bearer)
                    .ok_or(Refusal::NotBearer),
            }
        };
        let admitted = match caller {
            Ok(caller) => admit(Some(auth), caller).await,
            Err(refusal) => Err(refusal),
        };
        admitted.map_err(|refusal| refusal_response(auth, &refusal))
    }

    /// The 403 for a `tools/call` the caller's scopes do not cover, decided before the
    /// call runs (and before a streamed response would fix the status at 200).
    pub(super) fn scope_refusal(
        &self,
        request: &Request,
        caller: &Admitted,
    ) -> Option<HttpResponse> {
        let (auth, who) = (self.auth()?, caller.as_ref()?);
        let tool = self.called_tool(request)?;
        if who.has_scopes(&tool.scopes) {
            return None;
        }
        let failure = crate::server::insufficient_scope(tool);
        let reply = failure.into_reply(Some(request.id.clone()));
        let mut response = super::handle::json_response(reply.http_status, &reply.response);
        let scope = tool.scopes.join(" ");
        response.headers.push((
            "www-authenticate",
            challenge(
                auth,
                Some((
                    "insufficient_scope",
                    "the token lacks a scope this tool needs",
                )),
                Some(&scope),
            ),
        ));
        Some(response)
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

/// A `WWW-Authenticate: Bearer` challenge pointing at the metadata.
fn challenge(auth: &Auth, error: Option<(&str, &str)>, scope: Option<&str>) -> String {
    let quote = |text: &str| text.replace(['"', '\\'], "'");
    let mut out = format!(
        "Bearer resource_metadata=\"{}\"",
        quote(&auth.metadata_url())
    );
    if let Some((code, description)) = error {
        out.push_str(&format!(
            ", error=\"{code}\", error_description=\"{}\"",
            quote(description)
        ));
    }
    if let Some(scope) = scope {
        out.push_str(&format!(", scope=\"{}\"", quote(scope)));
    }
    out
}

/// A refusal with its challenge and a JSON-RPC error body that says what to do.
fn refusal_response(auth: &Auth, refusal: &Refusal) -> HttpResponse {
    let body = Response::error(
        None,
        crate::jsonrpc::ErrorObject::new(crate::jsonrpc::INVALID_REQUEST, refusal.message()),
    );
    let mut response = super::handle::json_response(refusal.http_status(), &body);
    response.headers.push((
        "www-authenticate",
        challenge(auth, refusal.challenge_error(), None),
    ));
    response
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
