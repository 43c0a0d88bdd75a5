//! How a client's messages reach a server: the one thing a host provides.

use super::ClientError;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use serde_json::Value;

/// One message on its way to the server.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The whole JSON-RPC message.
    pub message: &'a Value,
    /// Whether it is a request, whose response [`ClientTransport::send`] must return.
    pub expects_response: bool,
    /// The HTTP headers the protocol revision asks for (`MCP-Protocol-Version`,
    /// `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`). Transports without headers ignore them.
    pub headers: &'a [(String, String)],
}

/// Carries messages to one server and brings back the responses: Streamable HTTP, a
/// child process's stdio, or a server in the same process.
///
/// A transport keeps what its framing needs between messages (an HTTP session id, a
/// child process) and answers or ignores what the server sends on its own (notifications,
/// `ping`); it returns only the response to the request it sent.
pub trait ClientTransport: MaybeSend + MaybeSync {
    /// Sends `outgoing`; for a request, returns the JSON-RPC response it got.
    ///
    /// # Errors
    /// [`ClientError::Transport`] when the message cannot be delivered or the answer
    /// cannot be read, [`ClientError::Http`] when an HTTP server answers with an error
    /// status and no JSON-RPC body.
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>>;
}

impl<T: ClientTransport + ?Sized> ClientTransport for std::sync::Arc<T> {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        (**self).send(outgoing)
    }
}
