//! Values crossing between JavaScript and Rust: JSON both ways, thrown values as
//! messages, and calling a JS handler that may or may not return a promise.

use edgemcp::Error;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

/// A JS value as JSON; `undefined` becomes `null`.
///
/// Goes through `JSON.stringify`, so what JSON cannot hold is dropped the way JavaScript
/// drops it (functions, `undefined` members); a value it refuses (a cycle, a BigInt) is an
/// error naming `what`.
pub(crate) fn to_json(value: &JsValue, what: &str) -> Result<Value, Error> {
    if value.is_undefined() {
        return Ok(Value::Null);
    }
    let text = js_sys::JSON::stringify(value)
        .map_err(|e| {
            Error::invalid_params(format!(
                "{what} cannot be turned into JSON: {}",
                message_of(&e)
            ))
        })?
        .as_string()
        .unwrap_or_else(|| "null".to_owned());
    serde_json::from_str(&text)
        .map_err(|e| Error::internal(format!("{what} gave JSON that does not parse: {e}")))
}

/// A JS value read as `T` through JSON, with an error naming `what` and the problem.
pub(crate) fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, Error> {
    serde_json::from_value(to_json(value, what)?)
        .map_err(|e| Error::invalid_params(format!("{what} is not valid: {e}")))
}

/// JSON as a plain JS value (objects, arrays, strings, numbers, booleans, `null`).
pub(crate) fn to_js(value: &Value) -> JsValue {
    // serde_json output always parses; fall back to `null` rather than panic.
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// What a thrown value says: an `Error`'s message, else the value as a string.
pub(crate) fn message_of(thrown: &JsValue) -> String {
    if let Some(error) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    if let Some(text) = thrown.as_string() {
        return text;
    }
    js_sys::JSON::stringify(thrown)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| "a thrown value that is not an Error".to_owned())
}

/// Calls `handler` with `args` and waits for its result if it returned a promise.
///
/// A synchronous throw and a rejected promise both come back as `Err`: an error whose
/// `expose` is `true` is written for the client and keeps its message; any other is an
/// internal failure described as `failed` says, which the client sees only by its
/// correlation id.
pub(crate) async fn call(
    handler: &js_sys::Function,
    args: &[JsValue],
    failed: impl FnOnce(String) -> String,
) -> Result<JsValue, Error> {
    let array: js_sys::Array = args.iter().collect();
    let returned = match handler.apply(&JsValue::UNDEFINED, &array) {
        Ok(returned) => returned,
        Err(thrown) => return Err(thrown_error(&thrown, failed)),
    };
    // Promise.resolve adopts any thenable and wraps plain values.
    let settled = js_sys::Promise::resolve(&returned);
    wasm_bindgen_futures::JsFuture::from(settled)
        .await
        .map_err(|thrown| thrown_error(&thrown, failed))
}

fn thrown_error(thrown: &JsValue, failed: impl FnOnce(String) -> String) -> Error {
    let message = message_of(thrown);
    let exposed = field(thrown, "expose").and_then(|e| e.as_bool()) == Some(true);
    if exposed {
        Error::invalid_params(message)
    } else {
        Error::internal(failed(message))
    }
}

/// `object[key]`, or `None` when it is missing, `undefined` or `null`.
pub(crate) fn field(object: &JsValue, key: &str) -> Option<JsValue> {
    if !object.is_object() {
        return None;
    }
    js_sys::Reflect::get(object, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// `object[key]` as a string, or an error naming `what` when it is there but not one.
pub(crate) fn string_field(
    object: &JsValue,
    key: &str,
    what: &str,
) -> Result<Option<String>, Error> {
    match field(object, key) {
        None => Ok(None),
        Some(value) => value
            .as_string()
            .map(Some)
            .ok_or_else(|| Error::invalid_params(format!("{what}.{key} must be a string"))),
    }
}

/// A JS `Error` carrying `error`'s message, to throw from a binding.
pub(crate) fn js_error(error: &Error) -> JsValue {
    js_sys::Error::new(error.message()).into()
}
