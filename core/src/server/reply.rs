//! What a request ends in: the reply a transport sends, the outcome of a body, and the
//! failures the method handlers return.

use crate::jsonrpc::{ErrorObject, RequestId, Response, INVALID_PARAMS};
use crate::protocol::ProtocolVersion;
use crate::Error;
use serde_json::{Map, Value};

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

    pub(crate) fn rpc(error: ErrorObject) -> Self {
        Failure::Refused { error, status: 200 }
    }

    pub(crate) fn invalid_params(message: impl Into<String>) -> Self {
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

pub(crate) type Params = Map<String, Value>;

pub(crate) fn as_params(value: Value) -> Params {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The reply to a request that a middleware layer answered with nothing (and that was not
/// cancelled), so the client is never left waiting.
pub(crate) fn unanswered(id: RequestId) -> Reply {
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
