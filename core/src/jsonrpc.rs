//! JSON-RPC 2.0 envelopes: parsing what arrives, shaping what leaves.
//!
//! This module knows nothing of MCP. It parses the envelope once, keeps `params` as a
//! [`serde_json::Value`], and leaves typed decoding to the dispatcher.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters.
pub const INVALID_PARAMS: i64 = -32602;
/// Internal JSON-RPC error.
pub const INTERNAL_ERROR: i64 = -32603;

/// A request id: an integer or a string, echoed back exactly as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestId {
    /// An integer id, kept as the JSON number it was sent as.
    Number(serde_json::Number),
    /// A string id.
    String(String),
}

impl RequestId {
    /// The id `value` holds: a string or an integer; anything else is not an id.
    pub fn from_value(value: &Value) -> Option<RequestId> {
        match value {
            Value::String(s) => Some(RequestId::String(s.clone())),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(RequestId::Number(n.clone())),
            _ => None,
        }
    }

    /// The id as a JSON value.
    pub fn to_value(&self) -> Value {
        match self {
            RequestId::Number(n) => Value::Number(n.clone()),
            RequestId::String(s) => Value::String(s.clone()),
        }
    }
}

impl From<i64> for RequestId {
    fn from(n: i64) -> Self {
        RequestId::Number(n.into())
    }
}

impl From<&str> for RequestId {
    fn from(s: &str) -> Self {
        RequestId::String(s.to_owned())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestId::Number(n) => write!(f, "{n}"),
            RequestId::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for RequestId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RequestId::Number(n) => n.serialize(s),
            RequestId::String(v) => v.serialize(s),
        }
    }
}

/// A call that expects a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The id to echo.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The named parameters; an absent `params` member is an empty object.
    pub params: Map<String, Value>,
}

/// A one-way message that gets no response.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method name.
    pub method: String,
    /// The named parameters; an absent `params` member is an empty object.
    pub params: Map<String, Value>,
}

/// One parsed JSON-RPC message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A response from the client to a server-initiated request.
    Response,
}

/// What a request body held.
#[derive(Debug)]
pub enum Incoming {
    /// One message, or the error response it earned.
    Single(Result<Message, Response>),
    /// A JSON array of messages, each parsed on its own.
    Batch(Vec<Result<Message, Response>>),
}

/// The error member of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ErrorObject {
    /// The error code.
    pub code: i64,
    /// A one-sentence description that tells the caller what to fix.
    pub message: String,
    /// Structured detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with a code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Adds structured detail.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// A response to a request: a result or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The id of the request; `None` when it could not be read.
    pub id: Option<RequestId>,
    /// The result or the error.
    pub outcome: Result<Value, ErrorObject>,
}

impl Response {
    /// A success.
    pub fn result(id: RequestId, result: Value) -> Self {
        Response {
            id: Some(id),
            outcome: Ok(result),
        }
    }

    /// A failure.
    pub fn error(id: Option<RequestId>, error: ErrorObject) -> Self {
        Response {
            id,
            outcome: Err(error),
        }
    }

    /// The error code, when this is an error response.
    pub fn error_code(&self) -> Option<i64> {
        self.outcome.as_ref().err().map(|e| e.code)
    }
}

impl Serialize for Response {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("jsonrpc", "2.0")?;
        // JSON-RPC 2.0: an id that could not be read is answered with `null`.
        map.serialize_entry("id", &self.id)?;
        match &self.outcome {
            Ok(result) => map.serialize_entry("result", result)?,
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

/// Parses a request body into one message or a batch.
///
/// Never fails: a body that is not JSON yields a `-32700` response, a message that is
/// not a JSON-RPC request, notification or response yields `-32600`, and a request whose
/// `params` is not an object yields `-32602`.
///
/// ```
/// use edgemcp::jsonrpc::{parse, Incoming, Message};
///
/// let Incoming::Single(Ok(Message::Request(req))) =
///     parse(br#"{"jsonrpc":"2.0","id":7,"method":"ping"}"#) else { panic!() };
/// assert_eq!(req.method, "ping");
///
/// let Incoming::Single(Err(resp)) = parse(b"{not json") else { panic!() };
/// assert_eq!(resp.error_code(), Some(-32700));
/// ```
pub fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(err) => {
            return Incoming::Single(Err(Response::error(
                None,
                ErrorObject::new(PARSE_ERROR, format!("The body is not valid JSON: {err}.")),
            )))
        }
    };
    match value {
        Value::Array(items) => Incoming::Batch(items.into_iter().map(parse_message).collect()),
        other => Incoming::Single(parse_message(other)),
    }
}

/// Parses one JSON value as a JSON-RPC message.
pub fn parse_message(value: Value) -> Result<Message, Response> {
    let Value::Object(mut obj) = value else {
        return Err(invalid(None, "A JSON-RPC message must be a JSON object."));
    };
    let raw_id = obj.remove("id");
    let id = match &raw_id {
        None => None,
        Some(v) => match RequestId::from_value(v) {
            Some(id) => Some(id),
            None => {
                return Err(invalid(
                    None,
                    format!(
                        "`id` must be a string or an integer, received {}.",
                        describe(v)
                    ),
                ))
            }
        },
    };
    match obj.get("jsonrpc") {
        Some(Value::String(v)) if v == "2.0" => {}
        Some(other) => {
            return Err(invalid(
                id,
                format!("`jsonrpc` must be \"2.0\", received {}.", describe(other)),
            ))
        }
        None => {
            return Err(invalid(
                id,
                "The `jsonrpc` member is missing; it must be \"2.0\".",
            ))
        }
    }
    let method = match obj.remove("method") {
        Some(Value::String(method)) => method,
        Some(other) => {
            return Err(invalid(
                id,
                format!("`method` must be a string, received {}.", describe(&other)),
            ))
        }
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
            return Ok(Message::Response)
        }
        None => return Err(invalid(id, "The `method` member is missing.")),
    };
    let params = match obj.remove("params") {
        None => Map::new(),
        Some(Value::Object(params)) => params,
        Some(Value::Array(_)) => {
            return Err(Response::error(
                id,
                ErrorObject::new(
                    INVALID_PARAMS,
                    "`params` must be an object of named parameters, received an array.",
                ),
            ))
        }
        Some(other) => {
            return Err(invalid(
                id,
                format!("`params` must be an object, received {}.", describe(&other)),
            ))
        }
    };
    Ok(match id {
        Some(id) => Message::Request(Request { id, method, params }),
        None => Message::Notification(Notification { method, params }),
    })
}

fn invalid(id: Option<RequestId>, message: impl Into<String>) -> Response {
    Response::error(id, ErrorObject::new(INVALID_REQUEST, message))
}

/// Names a JSON value's type and, for short scalars, its value: `string "ten"`, `an array`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) if s.chars().count() <= 40 => format!("string {s:?}"),
        Value::String(_) => "a long string".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(body: &str) -> Result<Message, Response> {
        match parse(body.as_bytes()) {
            Incoming::Single(m) => m,
            Incoming::Batch(_) => panic!("expected a single message"),
        }
    }

    #[test]
    fn error_codes_for_malformed_envelopes() {
        let table: &[(&str, i64, Option<RequestId>)] = &[
            ("", PARSE_ERROR, None),
            ("{\"jsonrpc\":", PARSE_ERROR, None),
            ("42", INVALID_REQUEST, None),
            ("\"x\"", INVALID_REQUEST, None),
            (
                r#"{"id":1,"method":"ping"}"#,
                INVALID_REQUEST,
                Some(1.into()),
            ),
            (
                r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
                INVALID_REQUEST,
                Some(1.into()),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
                INVALID_REQUEST,
                Some(1.into()),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1}"#,
                INVALID_REQUEST,
                Some(1.into()),
            ),
            (
                r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
                INVALID_REQUEST,
                None,
            ),
            (
                r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
                INVALID_REQUEST,
                None,
            ),
            (
                r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
                INVALID_REQUEST,
                None,
            ),
            (
                r#"{"jsonrpc":"2.0","id":"a","method":"x","params":3}"#,
                INVALID_REQUEST,
                Some("a".into()),
            ),
            (
                r#"{"jsonrpc":"2.0","id":"a","method":"x","params":[1]}"#,
                INVALID_PARAMS,
                Some("a".into()),
            ),
        ];
        for (body, code, id) in table {
            let resp = single(body).expect_err(body);
            assert_eq!(resp.error_code(), Some(*code), "{body}");
            assert_eq!(&resp.id, id, "{body}");
        }
    }

    #[test]
    fn ids_are_echoed_exactly() {
        for (body, id) in [
            (r#"{"jsonrpc":"2.0","id":0,"method":"m"}"#, json!(0)),
            (r#"{"jsonrpc":"2.0","id":-7,"method":"m"}"#, json!(-7)),
            (
                r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"m"}"#,
                json!(18446744073709551615u64),
            ),
            (r#"{"jsonrpc":"2.0","id":"","method":"m"}"#, json!("")),
            (
                r#"{"jsonrpc":"2.0","id":"a\"b","method":"m"}"#,
                json!("a\"b"),
            ),
        ] {
            let Ok(Message::Request(req)) = single(body) else {
                panic!("{body}")
            };
            let out = serde_json::to_value(Response::result(req.id, json!({}))).unwrap();
            assert_eq!(out["id"], id, "{body}");
        }
    }

    #[test]
    fn notifications_and_responses_are_told_apart() {
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Message::Notification(_))
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":3,"result":{}}"#),
            Ok(Message::Response)
        ));
        assert!(matches!(
            single(r#"{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}"#),
            Ok(Message::Response)
        ));
    }

    #[test]
    fn batches_parse_each_member() {
        let Incoming::Batch(items) =
            parse(br#"[{"jsonrpc":"2.0","id":1,"method":"a"}, 5, {"jsonrpc":"2.0","method":"n"}]"#)
        else {
            panic!("expected a batch")
        };
        assert!(matches!(items[0], Ok(Message::Request(_))));
        assert_eq!(
            items[1].as_ref().unwrap_err().error_code(),
            Some(INVALID_REQUEST)
        );
        assert!(matches!(items[2], Ok(Message::Notification(_))));
    }

    #[test]
    fn unreadable_id_serializes_as_null() {
        let out = serde_json::to_value(Response::error(None, ErrorObject::new(PARSE_ERROR, "x")))
            .unwrap();
        assert_eq!(
            out,
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})
        );
    }
}
