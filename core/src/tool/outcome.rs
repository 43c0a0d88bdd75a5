//! What a tool handler may return, and how its failures reach the client.
//!
//! A handler written with [`#[tools]`](crate::tools) returns anything that implements
//! [`IntoToolResult`]: a [`ToolResult`], text, [`Json`] for structured output, `()`, or a
//! `Result` of one of those whose error converts into a [`ToolError`]. The error decides
//! where the failure goes: to the model as an `isError` result it can act on, or to the
//! client as a JSON-RPC error.

use super::ToolResult;
use crate::Error;
use serde::Serialize;
use serde_json::Value;

/// How a tool call failed, and so who is told.
///
/// ```
/// use edgemcp::tool::ToolError;
/// use edgemcp::Error;
///
/// // The model reads the message and may retry with other arguments.
/// let for_the_model = ToolError::from(Error::not_found("No customer 42."));
/// // The client gets a JSON-RPC error: the request itself was wrong.
/// let for_the_client = ToolError::protocol(Error::invalid_params("`limit` must be at most 100."));
/// # let _ = (for_the_model, for_the_client);
/// ```
#[derive(Debug)]
pub enum ToolError {
    /// Reported as an `isError` result carrying the error's message, which the model
    /// reads and can act on. What `?` on an [`Error`] gives.
    Result(Error),
    /// Reported as the JSON-RPC error of the `tools/call` request, with the code of the
    /// error's kind ([`ErrorKind::jsonrpc_code`](crate::ErrorKind::jsonrpc_code)).
    Protocol(Error),
}

impl ToolError {
    /// A failure the client is told about as a JSON-RPC error, not the model.
    pub fn protocol(error: Error) -> Self {
        ToolError::Protocol(error)
    }

    /// A failure the model reads as an `isError` result.
    pub fn result(error: Error) -> Self {
        ToolError::Result(error)
    }

    /// The error, wherever it is reported.
    pub fn error(&self) -> &Error {
        match self {
            ToolError::Result(error) | ToolError::Protocol(error) => error,
        }
    }
}

impl From<Error> for ToolError {
    fn from(error: Error) -> Self {
        ToolError::Result(error)
    }
}

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error().fmt(f)
    }
}

impl std::error::Error for ToolError {}

/// A handler's return value made into the call's result.
///
/// Implemented for [`ToolResult`], `String` and `&'static str` (one text block), [`Json`]
/// (structured output), [`Value`] (its JSON text), `()` (no content) and
/// `Result<T, E>` where `T` is one of those and `E` converts into a [`ToolError`].
///
/// ```
/// use edgemcp::tool::{IntoToolResult, ToolError};
/// use edgemcp::{Error, ToolResult};
///
/// let ok: Result<String, Error> = Ok("done".to_owned());
/// assert_eq!(ok.into_tool_result().unwrap(), ToolResult::text("done"));
///
/// let failed: Result<String, Error> = Err(Error::not_found("No such order."));
/// assert!(matches!(failed.into_tool_result(), Err(ToolError::Result(_))));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool result",
    label = "a tool returns text, `Json<T>`, `ToolResult`, `()`, or a `Result` of one of them",
    note = "wrap structured output in `edgemcp::tool::Json`, or turn the value into text"
)]
pub trait IntoToolResult {
    /// The result, or the failure and where it is reported.
    ///
    /// # Errors
    /// The handler's failure, as a [`ToolError`].
    fn into_tool_result(self) -> Result<ToolResult, ToolError>;
}

impl IntoToolResult for ToolResult {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        Ok(self)
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        Ok(ToolResult::text(self))
    }
}

impl IntoToolResult for &'static str {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        Ok(ToolResult::text(self))
    }
}

impl IntoToolResult for () {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        Ok(ToolResult::content(Vec::new()))
    }
}

impl IntoToolResult for Value {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        Ok(match self {
            Value::String(text) => ToolResult::text(text),
            other => ToolResult::text(other.to_string()),
        })
    }
}

impl<T, E> IntoToolResult for Result<T, E>
where
    T: IntoToolResult,
    E: Into<ToolError>,
{
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        self.map_err(Into::into)?.into_tool_result()
    }
}

/// Structured output: the value as `structuredContent` (and its JSON text, for clients
/// that read only text) when it is a JSON object, as `structuredContent` must be; any
/// other value goes out as its JSON text alone. With [`#[tools]`](crate::tools), a tool returning `Json<T>`
/// publishes `T`'s schema as its `outputSchema` when `T` is an object.
///
/// ```
/// use edgemcp::tool::{IntoToolResult, Json};
///
/// #[derive(serde::Serialize)]
/// struct Sum { sum: i64 }
///
/// let result = Json(Sum { sum: 5 }).into_tool_result().unwrap();
/// assert_eq!(result.structured, Some(serde_json::json!({"sum": 5})));
///
/// let list = Json(vec![1, 2]).into_tool_result().unwrap();
/// assert_eq!((list.structured, list.content), (None, vec![edgemcp::protocol::Content::text("[1,2]")]));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> Result<ToolResult, ToolError> {
        serde_json::to_value(self.0)
            // `structuredContent` is an object; anything else goes out as its JSON text.
            .map(|value| match value {
                Value::Object(_) => ToolResult::structured(value),
                other => ToolResult::text(other.to_string()),
            })
            .map_err(|err| {
                ToolError::Result(Error::internal(format!(
                    "The tool's output could not be encoded as JSON: {err}"
                )))
            })
    }
}
