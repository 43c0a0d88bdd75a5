//! How the KV and blob tools carry bytes inside JSON: text when they are UTF-8, base64
//! otherwise.

use crate::util::{base64_decode, base64_encode};
use crate::{Error, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a value travels inside JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Encoding {
    /// UTF-8 text.
    #[default]
    Utf8,
    /// Base64 of arbitrary bytes.
    Base64,
}

/// Text when the bytes are UTF-8, base64 otherwise.
pub(crate) fn encode_content(bytes: Vec<u8>) -> (String, Encoding) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, Encoding::Utf8),
        Err(err) => (base64_encode(err.as_bytes()), Encoding::Base64),
    }
}

/// The bytes `text` stands for under `encoding`.
pub(crate) fn decode_content(text: &str, encoding: Encoding, field: &str) -> Result<Vec<u8>> {
    match encoding {
        Encoding::Utf8 => Ok(text.as_bytes().to_vec()),
        Encoding::Base64 => base64_decode(text.trim()).ok_or_else(|| {
            Error::invalid_params(format!(
                "`{field}` is not valid base64; encode the bytes with standard base64 (RFC 4648)."
            ))
        }),
    }
}
