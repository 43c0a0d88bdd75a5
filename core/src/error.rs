//! The one error type of the core, and its mapping onto JSON-RPC codes and HTTP statuses.

use std::borrow::Cow;
use std::fmt;

/// What went wrong, in a form a caller can branch on.
///
/// Each kind maps to one JSON-RPC error code ([`ErrorKind::jsonrpc_code`]) and one HTTP
/// status ([`ErrorKind::http_status`]), so every host reports the same failure the same way.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request body is not JSON.
    Parse,
    /// The message is JSON but not a valid JSON-RPC request.
    InvalidRequest,
    /// No such method, or a capability the server does not offer.
    MethodNotFound,
    /// The parameters do not fit the method (unknown tool, bad cursor, missing argument).
    InvalidParams,
    /// A named thing (resource, key, object) does not exist.
    NotFound,
    /// The caller is not authenticated.
    Unauthorized,
    /// The caller is authenticated but not allowed.
    Forbidden,
    /// The caller sent too many requests.
    RateLimited,
    /// The operation is not supported by this server or backend.
    Unsupported,
    /// A storage backend failed.
    Storage,
    /// A call to another service failed.
    Upstream,
    /// The operation ran past its time limit.
    Timeout,
    /// The client cancelled the operation before it finished.
    Cancelled,
    /// A store or service is paused after repeated failures (its circuit breaker is
    /// open); retrying later may succeed. The message names it, and nothing more.
    Unavailable,
    /// The server was configured wrongly (a duplicate tool name, a malformed schema).
    ConfigInvalid,
    /// A bug or an unexpected state inside the server.
    Internal,
}

impl ErrorKind {
    /// The JSON-RPC error code reported for this kind.
    pub fn jsonrpc_code(self) -> i64 {
        match self {
            ErrorKind::Parse => crate::jsonrpc::PARSE_ERROR,
            ErrorKind::InvalidRequest => crate::jsonrpc::INVALID_REQUEST,
            ErrorKind::MethodNotFound => crate::jsonrpc::METHOD_NOT_FOUND,
            ErrorKind::InvalidParams | ErrorKind::NotFound => crate::jsonrpc::INVALID_PARAMS,
            _ => crate::jsonrpc::INTERNAL_ERROR,
        }
    }

    /// The HTTP status a host reports when this kind ends a request outside JSON-RPC.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Parse | ErrorKind::InvalidRequest | ErrorKind::InvalidParams => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound | ErrorKind::MethodNotFound => 404,
            ErrorKind::RateLimited => 429,
            ErrorKind::Unsupported => 501,
            ErrorKind::Upstream => 502,
            ErrorKind::Storage => 503,
            ErrorKind::Timeout => 504,
            // nginx's "client closed request": nobody waits for the answer.
            ErrorKind::Cancelled => 499,
            ErrorKind::Unavailable => 503,
            ErrorKind::ConfigInvalid | ErrorKind::Internal => 500,
        }
    }

    /// Whether this kind is a failure inside the server or a backend, whose message is for
    /// the operator: storage, upstream, configuration and internal errors.
    ///
    /// Clients get such an error as a generic message with a correlation id, and the full
    /// text goes to the server's log. Every other kind carries a message written for the
    /// user (what was wrong with the request, what was not found, which limit was hit),
    /// which reaches the client as it is.
    ///
    /// ```
    /// use edgemcp::ErrorKind;
    ///
    /// assert!(ErrorKind::Storage.is_internal());
    /// assert!(!ErrorKind::InvalidParams.is_internal());
    /// ```
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            ErrorKind::Storage
                | ErrorKind::Upstream
                | ErrorKind::ConfigInvalid
                | ErrorKind::Internal
        )
    }

    /// A short lowercase name, used in messages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Parse => "parse error",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::MethodNotFound => "method not found",
            ErrorKind::InvalidParams => "invalid params",
            ErrorKind::NotFound => "not found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Storage => "storage error",
            ErrorKind::Upstream => "upstream error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::ConfigInvalid => "invalid configuration",
            ErrorKind::Internal => "internal error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of every fallible operation in the core.
///
/// Small on the outside (one pointer) so `Result` stays cheap; the kind, a message for the
/// user, optional context pairs and a source live behind the box.
///
/// ```
/// use edgemcp::{Error, ErrorKind};
///
/// let err = Error::new(ErrorKind::NotFound, "no key named `orders`")
///     .with_context("store", "kv");
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.to_string(), "no key named `orders` (store: kv)");
/// ```
pub struct Error {
    inner: Box<ErrorImpl>,
}

struct ErrorImpl {
    kind: ErrorKind,
    message: Cow<'static, str>,
    context: Vec<(&'static str, String)>,
    temporary: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with a message that tells the user what to do.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            inner: Box::new(ErrorImpl {
                kind,
                message: message.into(),
                context: Vec::new(),
                temporary: false,
                source: None,
            }),
        }
    }

    /// Shorthand for [`ErrorKind::InvalidParams`].
    pub fn invalid_params(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidParams, message)
    }

    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Shorthand for [`ErrorKind::ConfigInvalid`].
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::ConfigInvalid, message)
    }

    /// Shorthand for [`ErrorKind::Storage`].
    pub fn storage(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Storage, message)
    }

    /// Adds a `key: value` pair shown after the message.
    pub fn with_context(mut self, key: &'static str, value: impl fmt::Display) -> Self {
        self.inner.context.push((key, value.to_string()));
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Marks the error as temporary: retrying the same operation later may succeed.
    pub fn set_temporary(mut self) -> Self {
        self.inner.temporary = true;
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message without context.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether retrying later may succeed.
    pub fn is_temporary(&self) -> bool {
        self.inner.temporary
    }

    /// The context pairs added with [`Error::with_context`].
    pub fn context(&self) -> &[(&'static str, String)] {
        &self.inner.context
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)?;
        if !self.inner.context.is_empty() {
            f.write_str(" (")?;
            for (i, (key, value)) in self.inner.context.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{key}: {value}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if !self.inner.context.is_empty() {
            d.field("context", &self.inner.context);
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with the core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_codes_and_statuses() {
        let table = [
            (ErrorKind::Parse, -32700, 400),
            (ErrorKind::InvalidRequest, -32600, 400),
            (ErrorKind::MethodNotFound, -32601, 404),
            (ErrorKind::InvalidParams, -32602, 400),
            (ErrorKind::Internal, -32603, 500),
            (ErrorKind::Storage, -32603, 503),
        ];
        for (kind, code, status) in table {
            assert_eq!(kind.jsonrpc_code(), code, "{kind}");
            assert_eq!(kind.http_status(), status, "{kind}");
        }
    }

    #[test]
    fn only_failures_of_the_server_and_its_backends_are_internal() {
        let table = [
            (ErrorKind::Parse, false),
            (ErrorKind::InvalidRequest, false),
            (ErrorKind::MethodNotFound, false),
            (ErrorKind::InvalidParams, false),
            (ErrorKind::NotFound, false),
            (ErrorKind::Unauthorized, false),
            (ErrorKind::Forbidden, false),
            (ErrorKind::RateLimited, false),
            (ErrorKind::Unsupported, false),
            (ErrorKind::Timeout, false),
            (ErrorKind::Cancelled, false),
            (ErrorKind::Unavailable, false),
            (ErrorKind::Storage, true),
            (ErrorKind::Upstream, true),
            (ErrorKind::ConfigInvalid, true),
            (ErrorKind::Internal, true),
        ];
        for (kind, internal) in table {
            assert_eq!(kind.is_internal(), internal, "{kind}");
        }
    }

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
