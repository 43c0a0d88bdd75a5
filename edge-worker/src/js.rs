//! The few JavaScript operations the bindings need: read a property, call a method, await
//! a promise, and move JSON-shaped values across the boundary as JSON text.
//!
//! Bindings are reached through these rather than through generated per-method imports:
//! every binding call goes through the same handful of functions, which keeps the module
//! small, and a binding that lacks a method fails with an error naming it.

use js_sys::{Function, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `target[key]`, or `undefined` when `target` is not an object.
pub(crate) fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key] = value` on an object this crate made (which cannot refuse it).
pub(crate) fn set(target: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Whether `target` has a method called `name`: how a binding is recognised.
pub(crate) fn has_method(target: &JsValue, name: &str) -> bool {
    get(target, name).is_function()
}

/// `await target[name](...args)`: the method's result, awaited when it is a promise.
///
/// # Errors
/// The exception the call threw or the promise rejected with, as a message; a missing
/// method is reported by name.
pub(crate) async fn call(
    target: &JsValue,
    name: &str,
    args: &[JsValue],
) -> Result<JsValue, String> {
    let result = call_sync(target, name, args)?;
    match result.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| message(&e)),
        Err(value) => Ok(value),
    }
}

/// `target[name](...args)`, its result not awaited.
///
/// # Errors
/// As [`call`].
pub(crate) fn call_sync(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let method = get(target, name)
        .dyn_into::<Function>()
        .map_err(|_| format!("the binding has no {name}() method"))?;
    let list: js_sys::Array = args.iter().collect();
    method.apply(target, &list).map_err(|e| message(&e))
}

/// The message of a thrown value: an `Error`'s `message`, a string, or its JSON.
pub(crate) fn message(err: &JsValue) -> String {
    if let Some(error) = err.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    err.as_string()
        .or_else(|| js_sys::JSON::stringify(err).ok().map(String::from))
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// A JSON-shaped JavaScript value as a [`Value`] (`undefined` and `null` are `Null`).
pub(crate) fn to_json(value: &JsValue) -> Value {
    if value.is_null() || value.is_undefined() {
        return Value::Null;
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| serde_json::from_str(&String::from(text)).ok())
        .unwrap_or(Value::Null)
}

/// A [`Value`] as the equal JavaScript value.
pub(crate) fn from_json(value: &Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap_or(JsValue::NULL)
}

/// The bytes of an `ArrayBuffer` or typed array; anything else is empty.
pub(crate) fn bytes(value: &JsValue) -> Vec<u8> {
    if value.is_instance_of::<js_sys::ArrayBuffer>() || js_sys::ArrayBuffer::is_view(value) {
        js_sys::Uint8Array::new(value).to_vec()
    } else {
        Vec::new()
    }
}

/// A plain object with the given properties, skipping `undefined` ones.
pub(crate) fn object(properties: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in properties {
        if !value.is_undefined() {
            set(&object, key, value);
        }
    }
    object
}

/// A string property, when it is one.
pub(crate) fn string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// A number property, when it is one.
pub(crate) fn number(target: &JsValue, key: &str) -> Option<f64> {
    get(target, key).as_f64()
}
