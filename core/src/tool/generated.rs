//! What the code [`#[tools]`](crate::tools) generates calls: not an API of its own, and
//! not covered by semver.

use super::{typed, Tool, ToolError, ToolFuture, ToolHandler, ToolResult};
use crate::runtime::{MaybeSend, MaybeSync};
use crate::{Error, RequestContext};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;

/// A tool of a `#[tool]` method.
pub fn tool<F, Fut>(
    name: &'static str,
    description: &'static str,
    input_schema: Value,
    output_schema: Option<Value>,
    handler: F,
) -> Tool
where
    F: Fn(Value, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<ToolResult, ToolError>> + MaybeSend + 'static,
{
    Tool::from_handler(
        name,
        description,
        input_schema,
        output_schema,
        Arc::new(GeneratedHandler(handler)),
    )
}

/// A schema the macro wrote as JSON text, from the method's parameter types.
pub fn schema(text: &'static str) -> Value {
    // The macro wrote the text with serde_json; should it ever not parse, the server's
    // build refuses the `null` schema and names the tool.
    serde_json::from_str(text).unwrap_or(Value::Null)
}

struct GeneratedHandler<F>(F);

impl<F, Fut> ToolHandler for GeneratedHandler<F>
where
    F: Fn(Value, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<ToolResult, ToolError>> + MaybeSend + 'static,
{
    fn call(&self, args: Value, cx: RequestContext) -> ToolFuture {
        Box::pin((self.0)(args, cx))
    }
}

/// The input schema of an argument struct.
pub fn input_schema_of<T: schemars::JsonSchema>() -> Value {
    typed::schema_of::<T>()
}

/// The output schema of `Json<T>`: `T`'s schema when it describes an object.
pub fn output_schema_of<T: schemars::JsonSchema>() -> Option<Value> {
    typed::output_schema_of::<T>()
}

/// The arguments of a call, taken out one parameter at a time.
pub struct Arguments(Map<String, Value>);

impl Arguments {
    /// The arguments object (the schema check has made sure it is one).
    ///
    /// # Errors
    /// When `args` is not an object.
    pub fn new(args: Value) -> Result<Self, ToolError> {
        match args {
            Value::Object(map) => Ok(Arguments(map)),
            _ => Err(ToolError::Result(Error::invalid_params(
                "arguments: expected an object.",
            ))),
        }
    }

    /// The parameter `name`, as `T`; a parameter that is absent reads as `null`, which an
    /// `Option` takes as `None`.
    ///
    /// # Errors
    /// When the value does not fit `T` (a number out of its range, say).
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ToolError> {
        let value = self.0.remove(name).unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|err| {
            ToolError::Result(Error::invalid_params(format!("arguments: `{name}`: {err}")))
        })
    }
}

/// The whole arguments object, as the tool's argument struct.
///
/// # Errors
/// When the arguments do not fit `T`.
pub fn whole<T: DeserializeOwned>(args: Value) -> Result<T, ToolError> {
    serde_json::from_value(args)
        .map_err(|err| ToolError::Result(Error::invalid_params(format!("arguments: {err}"))))
}
