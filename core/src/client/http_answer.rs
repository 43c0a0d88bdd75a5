//! Reading what a Streamable HTTP server answered to a POST, for any HTTP transport.

use super::{sse, ClientError};
use serde_json::Value;

/// How much of an error body a [`ClientError::Http`] keeps.
const ERROR_BODY_CHARS: usize = 300;

/// The JSON-RPC response in an HTTP answer to a POSTed message.
///
/// A JSON body is the response itself; an event stream carries it as its last response
/// event (notifications and server requests before it are skipped). `202 Accepted` with
/// no body answers a notification. An error status without a JSON-RPC body is
/// [`ClientError::Http`]; with one, the JSON-RPC error is returned for the client to read,
/// except for 401 and 403, which are always [`ClientError::Http`] (with the error's message).
///
/// # Errors
/// [`ClientError::Http`] and [`ClientError::InvalidResponse`] as above.
pub fn read_http_answer(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    expects_response: bool,
) -> Result<Option<Value>, ClientError> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let response = match media.as_str() {
        "text/event-stream" => {
            let text = String::from_utf8_lossy(body);
            sse::data_events(&text)
                .iter()
                .rev()
                .filter_map(|data| serde_json::from_str::<Value>(data).ok())
                .find(is_response)
        }
        "application/json" => serde_json::from_slice::<Value>(body)
            .ok()
            .filter(is_response),
        _ => None,
    };
    // Refused credentials are the transport's business, whatever the body says.
    if status == 401 || status == 403 {
        let said = response
            .as_ref()
            .and_then(|r| r["error"]["message"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        return Err(ClientError::Http {
            status,
            body: said.chars().take(ERROR_BODY_CHARS).collect(),
        });
    }
    match response {
        Some(response) => Ok(Some(response)),
        None if !(200..300).contains(&status) => Err(ClientError::Http {
            status,
            body: String::from_utf8_lossy(body)
                .chars()
                .take(ERROR_BODY_CHARS)
                .collect(),
        }),
        None if !expects_response => Ok(None),
        None if body.is_empty() => Err(ClientError::InvalidResponse(format!(
            "HTTP {status} with an empty body"
        ))),
        None => Err(ClientError::InvalidResponse(format!(
            "HTTP {status} with a {} body that holds no JSON-RPC response",
            if media.is_empty() { "untyped" } else { &media }
        ))),
    }
}

/// Whether `message` is a JSON-RPC response (a result or an error, not a request).
pub(super) fn is_response(message: &Value) -> bool {
    message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_sse_accepted_and_errors() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
        assert_eq!(
            read_http_answer(200, Some("application/json; charset=utf-8"), ok, true),
            Ok(Some(json!({"jsonrpc":"2.0","id":1,"result":{}})))
        );
        let stream = b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"x\":1}}\n\n";
        assert_eq!(
            read_http_answer(200, Some("text/event-stream"), stream, true),
            Ok(Some(json!({"jsonrpc":"2.0","id":1,"result":{"x":1}})))
        );
        assert_eq!(read_http_answer(202, None, b"", false), Ok(None));
        assert!(matches!(
            read_http_answer(202, None, b"", true),
            Err(ClientError::InvalidResponse(_))
        ));
        let refused = br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no"}}"#;
        assert!(matches!(
            read_http_answer(400, Some("application/json"), refused, true),
            Ok(Some(_))
        ));
        assert_eq!(
            read_http_answer(401, Some("text/plain"), b"who are you", true),
            Err(ClientError::Http {
                status: 401,
                body: "who are you".to_owned()
            })
        );
        assert!(matches!(
            read_http_answer(200, Some("text/html"), b"<html>", true),
            Err(ClientError::InvalidResponse(_))
        ));
    }
}
