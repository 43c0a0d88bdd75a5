//! Reading the few request headers the transport cares about.

use super::HttpRequest;
use crate::base64::{self, Form};
use crate::tool::MirroredParam;
use serde_json::Value;

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
        Some(encoded) => String::from_utf8(base64::decode(encoded, Form::Standard)?).ok(),
        None => Some(value.to_owned()),
    }
}

/// Encodes a header value the way [`decode_header_value`] reads it: as it is when it is
/// visible ASCII without surrounding spaces, otherwise `=?base64?…?=`.
pub(crate) fn encode_header_value(value: &str) -> String {
    let plain = value.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !value.starts_with("=?");
    if plain {
        value.to_owned()
    } else {
        format!("=?base64?{}?=", base64::encode(value, Form::Standard))
    }
}

/// The `Mcp-Param-{Name}` headers a 2026-07-28 `tools/call` with `arguments` carries, for
/// a client: one per mirrored parameter the arguments hold.
pub(crate) fn param_headers(
    mirrored: &[MirroredParam],
    arguments: Option<&Value>,
) -> Vec<(String, String)> {
    mirrored
        .iter()
        .filter_map(|param| {
            let text = header_text(param.value_in(arguments)?)?;
            Some((
                format!("Mcp-Param-{}", param.header),
                encode_header_value(&text),
            ))
        })
        .collect()
}

/// Checks each `Mcp-Param-{Name}` header of a `tools/call` against the argument it
/// mirrors: present exactly when the argument is, header-safe characters only, and equal
/// to the argument's text once decoded. The error says which one is wrong.
pub(crate) fn check_param_headers(
    req: &HttpRequest,
    mirrored: &[MirroredParam],
    arguments: Option<&Value>,
) -> Result<(), String> {
    for param in mirrored {
        let name = format!("Mcp-Param-{}", param.header);
        let argument = param.value_in(arguments);
        let raw = match (req.header_value(&name), argument) {
            (None, None) => continue,
            (None, Some(_)) => {
                return Err(format!(
                    "The {name} header is missing; it must repeat the argument `{}`.",
                    param.dotted_path()
                ))
            }
            (Some(_), None) => {
                return Err(format!(
                    "The {name} header is set, but the arguments have no `{}`.",
                    param.dotted_path()
                ))
            }
            (Some(raw), Some(_)) => raw,
        };
        // RFC 9110 field values: visible ASCII, space and tab; anything else is sent as
        // `=?base64?…?=`.
        if !raw
            .bytes()
            .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
        {
            return Err(format!(
                "The {name} header has characters a header value cannot carry; send them as \
                 =?base64?…?=."
            ));
        }
        let decoded = decode_header_value(raw)
            .ok_or_else(|| format!("The {name} header is not valid =?base64?…?= text."))?;
        // An argument of the wrong type is for the schema check to report, with -32602.
        let Some(expected) = argument.and_then(header_text) else {
            continue;
        };
        if decoded != expected {
            return Err(format!(
                "The {name} header says {decoded:?} but the argument `{}` is {expected:?}.",
                param.dotted_path()
            ));
        }
    }
    Ok(())
}

/// How a mirrored argument is written in its header: strings as they are, integers in
/// decimal, booleans as `true` or `false`.
fn header_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
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
        // Padding is required, as the encoding rules write it.
        assert_eq!(decode_header_value("=?base64?SGVsbG8?="), None);
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8=?=").as_deref(),
            Some("Hello")
        );
        // Without both markers the value is literal.
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8=").as_deref(),
            Some("=?base64?SGVsbG8=")
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod generated {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn every_encoded_value_decodes_back_and_is_header_safe(value in any::<String>()) {
                let encoded = encode_header_value(&value);
                prop_assert!(encoded.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{:?}", encoded);
                prop_assert_eq!(decode_header_value(&encoded), Some(value));
            }
        }
    }
}
