//! Reading the few request headers the transport cares about.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// What an `Accept` header allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Accepts {
    pub(crate) json: bool,
    pub(crate) event_stream: bool,
}

impl Accepts {
    /// Reads `Accept`; a missing header accepts anything.
    pub(crate) fn parse(header: Option<&str>) -> Accepts {
        let Some(header) = header else {
            return Accepts {
                json: true,
                event_stream: true,
            };
        };
        let mut accepts = Accepts {
            json: false,
            event_stream: false,
        };
        for range in header.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            // `q=0` means "not acceptable".
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                continue;
            }
            match media.as_str() {
                "*/*" => {
                    accepts.json = true;
                    accepts.event_stream = true;
                }
                "application/*" | "application/json" => accepts.json = true,
                "text/*" | "text/event-stream" => accepts.event_stream = true,
                _ => {}
            }
        }
        accepts
    }
}

/// Whether `Content-Type` names JSON (parameters such as `charset` are ignored).
pub(crate) fn is_json_content_type(header: Option<&str>) -> bool {
    header
        .and_then(|h| h.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Decodes an `Mcp-Name`-style header value: plain ASCII, or `=?base64?…?=` for values
/// that are not. `None` when the encoded form is malformed.
pub(crate) fn decode_header_value(value: &str) -> Option<String> {
    match value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    {
        Some(encoded) => String::from_utf8(STANDARD.decode(encoded).ok()?).ok(),
        None => Some(value.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_table() {
        let table = [
            (None, true, true),
            (Some("application/json, text/event-stream"), true, true),
            (Some("application/json"), true, false),
            (Some("text/event-stream"), false, true),
            (Some("*/*"), true, true),
            (Some("text/html"), false, false),
            (Some("application/json;q=0, text/event-stream"), false, true),
            (Some("APPLICATION/JSON; charset=utf-8"), true, false),
        ];
        for (header, json, sse) in table {
            assert_eq!(
                Accepts::parse(header),
                Accepts {
                    json,
                    event_stream: sse
                },
                "{header:?}"
            );
        }
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some(
            "Application/JSON; charset=utf-8"
        )));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(Some("application/jsonx")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn encoded_header_values() {
        assert_eq!(decode_header_value("plain").as_deref(), Some("plain"));
        assert_eq!(
            decode_header_value("=?base64?w6l0w6k=?=").as_deref(),
            Some("été")
        );
        assert_eq!(decode_header_value("=?base64?!!?="), None);
    }
}
