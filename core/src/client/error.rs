//! What can go wrong when a client talks to a server.

use crate::jsonrpc::ErrorObject;
use std::fmt;

/// Why a client call did not bring back a result.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientError {
    /// The message could not be delivered or its answer not read: the server is not
    /// running, the address is wrong, the connection broke, or a child process exited.
    Transport(String),
    /// The HTTP server answered with a status and no JSON-RPC body.
    Http {
        /// The HTTP status.
        status: u16,
        /// The first part of the body, as text, to show what the server said.
        body: String,
    },
    /// The answer is not a JSON-RPC response to the request sent.
    InvalidResponse(String),
    /// The server answered with a JSON-RPC error.
    Rpc(ErrorObject),
    /// The server and this client share no protocol revision.
    Unsupported(String),
}

impl ClientError {
    /// The JSON-RPC error the server answered with, if that is what this is.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Transport(detail) => write!(f, "the server could not be reached: {detail}"),
            ClientError::Http { status: 401, body } => write!(
                f,
                "the server requires authentication (HTTP 401: {body}): pass a valid bearer token or API key"
            ),
            ClientError::Http { status: 403, body } => write!(
                f,
                "the server refused the credentials (HTTP 403: {body}): check the token's scopes"
            ),
            ClientError::Http { status, body } if body.is_empty() => {
                write!(f, "the server answered HTTP {status} with no JSON-RPC body")
            }
            ClientError::Http { status, body } => {
                write!(f, "the server answered HTTP {status}: {body}")
            }
            ClientError::InvalidResponse(detail) => {
                write!(f, "the server's answer is not a valid JSON-RPC response: {detail}")
            }
            ClientError::Rpc(error) => write!(f, "JSON-RPC error {}: {}", error.code, error.message),
            ClientError::Unsupported(detail) => write!(f, "no common protocol revision: {detail}"),
        }
    }
}

impl std::error::Error for ClientError {}
