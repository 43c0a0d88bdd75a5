use super::{Tool, ToolFuture, ToolHandler, ToolResult};
use crate::runtime::{MaybeSend, MaybeSync};
use crate::{Error, RequestContext, Result};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

impl Tool {
    /// A tool from an async function of typed input to typed output.
    ///
    /// `inputSchema` is derived from `I` and `outputSchema` from `O`; when `O` is an
    /// object, results carry it as `structuredContent` plus its JSON text as a fallback
    /// for clients that read only text. Arguments that do not fit `I` become an `isError`
    /// result naming the field; a handler error becomes an `isError` result with its message.
    ///
    /// ```
    /// use edgemcp::{Tool, Result};
    /// use schemars::JsonSchema;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Deserialize, JsonSchema)]
    /// struct AddArgs { a: i64, b: i64 }
    ///
    /// #[derive(Serialize, JsonSchema)]
    /// struct Sum { sum: i64 }
    ///
    /// let add = Tool::typed("add", "Adds two integers.", |args: AddArgs, _cx| async move {
    ///     Ok::<_, edgemcp::Error>(Sum { sum: args.a + args.b })
    /// });
    /// assert_eq!(add.name(), "add");
    /// ```
    pub fn typed<I, O, F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        handler: F,
    ) -> Tool
    where
        I: DeserializeOwned + JsonSchema + 'static,
        O: Serialize + JsonSchema + 'static,
        F: Fn(I, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<O>> + MaybeSend + 'static,
    {
        Tool::typed_with_schemas(
            name,
            description,
            schema_of::<I>(),
            output_schema_of::<O>(),
            handler,
        )
    }

    /// [`Tool::typed`] with the schemas given as JSON rather than derived when the server
    /// starts, so a size-sensitive build (a Worker) links no schema generator: generate
    /// them ahead of time and check them in. `output_schema` is `Some` only for a result
    /// type that is a JSON object; such results also carry `structuredContent`.
    ///
    /// ```
    /// use edgemcp::Tool;
    /// use serde_json::json;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Greet { name: String }
    ///
    /// let greet = Tool::typed_with_schemas(
    ///     "greet",
    ///     "Greets someone.",
    ///     json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
    ///     None,
    ///     |args: Greet, _cx| async move { Ok(format!("Hello, {}!", args.name)) },
    /// );
    /// assert_eq!(greet.name(), "greet");
    /// ```
    pub fn typed_with_schemas<I, O, F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        output_schema: Option<Value>,
        handler: F,
    ) -> Tool
    where
        I: DeserializeOwned + 'static,
        O: Serialize + 'static,
        F: Fn(I, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<O>> + MaybeSend + 'static,
    {
        let structured = output_schema.is_some();
        let handler = TypedHandler {
            handler,
            structured,
            types: PhantomData::<fn(I) -> O>,
        };
        Tool::from_handler(
            name,
            description,
            input_schema,
            output_schema,
            Arc::new(handler),
        )
    }
}

/// The JSON Schema of `T`, without the `$schema` marker tools do not need.
pub(crate) fn schema_of<T: JsonSchema>() -> Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
    }
    replace_width_formats(&mut schema);
    schema
}

/// Replaces the integer and float widths schemars writes as `format` (`uint32`, `int64`,
/// `double`, ...), which JSON Schema 2020-12 does not define and strict validators warn
/// about, with the `minimum` and `maximum` they imply (when a JSON number can state them
/// exactly).
fn replace_width_formats(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let bounds: Option<(Option<i64>, Option<i64>)> =
                match object.get("format").and_then(Value::as_str) {
                    Some("uint8") => Some((Some(0), Some(i64::from(u8::MAX)))),
                    Some("uint16") => Some((Some(0), Some(i64::from(u16::MAX)))),
                    Some("uint32") => Some((Some(0), Some(i64::from(u32::MAX)))),
                    Some("uint64" | "uint" | "uint128") => Some((Some(0), None)),
                    Some("int8") => Some((Some(i64::from(i8::MIN)), Some(i64::from(i8::MAX)))),
                    Some("int16") => Some((Some(i64::from(i16::MIN)), Some(i64::from(i16::MAX)))),
                    Some("int32") => Some((Some(i64::from(i32::MIN)), Some(i64::from(i32::MAX)))),
                    Some("int64" | "int" | "int128" | "float" | "double") => Some((None, None)),
                    _ => None,
                };
            if let Some((minimum, maximum)) = bounds {
                object.remove("format");
                if let Some(minimum) = minimum {
                    tighten(object, "minimum", minimum, i64::max);
                }
                if let Some(maximum) = maximum {
                    tighten(object, "maximum", maximum, i64::min);
                }
            }
            // Property names are keys of `properties`, never keywords: a property called
            // `format` holds a schema (an object), which the string test above skips.
            object.values_mut().for_each(replace_width_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(replace_width_formats),
        _ => {}
    }
}

/// Sets `key` to `bound`, or to the tighter of it and the bound already there.
fn tighten(
    object: &mut serde_json::Map<String, Value>,
    key: &str,
    bound: i64,
    pick: fn(i64, i64) -> i64,
) {
    let value = match object.get(key).and_then(Value::as_i64) {
        Some(current) => pick(current, bound),
        None => bound,
    };
    object.insert(key.to_owned(), Value::from(value));
}

/// The output schema `Tool::typed` publishes for `O`: its schema when it is an object.
pub(crate) fn output_schema_of<O: JsonSchema>() -> Option<Value> {
    Some(schema_of::<O>()).filter(is_object_schema)
}

fn is_object_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
}

struct TypedHandler<F, T> {
    handler: F,
    structured: bool,
    types: PhantomData<T>,
}

impl<I, O, F, Fut> ToolHandler for TypedHandler<F, fn(I) -> O>
where
    I: DeserializeOwned + 'static,
    O: Serialize + 'static,
    F: Fn(I, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<O>> + MaybeSend + 'static,
{
    fn call(&self, args: Value, cx: RequestContext) -> ToolFuture {
        // The arguments already passed the schema check; what serde still refuses (a number
        // out of the type's range, say) is reported in serde's words.
        let input: I = match serde_json::from_value(args) {
            Ok(input) => input,
            Err(err) => return Box::pin(std::future::ready(Ok(invalid_arguments(&err)))),
        };
        let structured = self.structured;
        let output = (self.handler)(input, cx);
        Box::pin(async move {
            Ok(into_result(
                serde_json::to_value(output.await?),
                structured,
            )?)
        })
    }
}

// The parts that do not depend on the tool's types live outside the generic handler, so
// each typed tool adds only its own (de)serialization to the binary.

/// The `isError` result for arguments serde refused.
fn invalid_arguments(err: &serde_json::Error) -> ToolResult {
    ToolResult::error(format!("arguments: {err}"))
}

/// The result for a handler's output, encoded as JSON.
fn into_result(value: serde_json::Result<Value>, structured: bool) -> Result<ToolResult> {
    let value = value.map_err(|err| {
        Error::internal(format!(
            "The tool's output could not be encoded as JSON: {err}"
        ))
    })?;
    Ok(if structured {
        ToolResult::structured(value)
    } else {
        match value {
            Value::String(text) => ToolResult::text(text),
            other => ToolResult::text(other.to_string()),
        }
    })
}
