//! Access control as a layer: the caller's credentials are checked here, inside the
//! request log (so refusals are logged) and outside the rate limits (which count per
//! verified caller). Transports only read the credentials (see
//! [`Admission`](crate::auth::Admission)).

use super::{BoxHandler, Exchange, Handler, Layer};
use crate::auth::{Auth, Refusal};
use crate::jsonrpc::{ErrorObject, RequestId, Response, INVALID_REQUEST};
use crate::runtime::BoxFuture;
use crate::server::Reply;
use std::sync::Arc;

/// Admits each message's caller (see [`Caller`](crate::auth::Caller)) or answers with the
/// refusal. A 403 for a tool the caller's scopes do not cover leaves with a challenge
/// naming the scopes it needs.
pub(crate) struct Authenticate;

impl Layer for Authenticate {
    fn layer(&self, inner: BoxHandler) -> BoxHandler {
        Arc::new(AuthenticateHandler { inner })
    }
}

struct AuthenticateHandler {
    inner: BoxHandler,
}

impl Handler for AuthenticateHandler {
    fn handle(&self, mut exchange: Exchange) -> BoxFuture<'static, Option<Reply>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let server = exchange.server.clone();
            let auth = server.auth();
            match exchange.admission.decide(auth).await {
                Ok(admitted) => exchange.caller = admitted,
                // A refused caller always hears why, even for a notification.
                Err(refusal) => return Some(refusal_reply(auth, &refusal, exchange.id().cloned())),
            }
            let mut reply = inner.handle(exchange).await;
            if let (Some(auth), Some(reply)) = (auth, reply.as_mut()) {
                if let Some(scopes) = required_scopes(reply) {
                    let error = (
                        "insufficient_scope",
                        "the token lacks a scope this tool needs",
                    );
                    reply.www_authenticate = Some(challenge(auth, Some(error), Some(&scopes)));
                }
            }
            reply
        })
    }
}

/// The reply to a caller access control refused: the error, the status (401, or 400 for
/// a token in the URL) and, with `auth`, the `WWW-Authenticate` challenge.
pub(crate) fn refusal_reply(
    auth: Option<&Auth>,
    refusal: &Refusal,
    id: Option<RequestId>,
) -> Reply {
    let error = ErrorObject::new(INVALID_REQUEST, refusal.message());
    let mut reply = Reply::new(Response::error(id, error), refusal.http_status());
    reply.www_authenticate = auth.map(|auth| challenge(auth, refusal.challenge_error(), None));
    reply
}

/// The scopes a 403 `insufficient_scope` reply says the tool needs.
fn required_scopes(reply: &Reply) -> Option<String> {
    if reply.http_status != 403 {
        return None;
    }
    let data = reply.response.outcome.as_ref().err()?.data.as_ref()?;
    let scopes = data.get("requiredScopes")?.as_array()?;
    let names: Vec<&str> = scopes.iter().filter_map(|s| s.as_str()).collect();
    Some(names.join(" "))
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
