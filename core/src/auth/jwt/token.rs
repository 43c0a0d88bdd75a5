//! Reading a compact JWS: three base64url parts, a header that names an accepted
//! algorithm, a JSON object of claims, a signature.

use crate::auth::TokenRejected;
use crate::base64::{self, Form};
use crate::runtime::SignatureAlgorithm;
use serde_json::{Map, Value};

/// Longer tokens are refused before any decoding: real access tokens are a few KB.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A token split and decoded, its signature not yet checked.
#[derive(Debug)]
pub(super) struct SignedToken<'a> {
    pub(super) algorithm: SignatureAlgorithm,
    pub(super) key_id: Option<String>,
    pub(super) claims: Map<String, Value>,
    /// The `header.payload` text the signature covers.
    pub(super) signing_input: &'a str,
    pub(super) signature: Vec<u8>,
}

/// Splits and decodes `token`, refusing anything but an RS256 or ES256 JWS.
pub(super) fn parse(token: &str) -> Result<SignedToken<'_>, TokenRejected> {
    let malformed = || TokenRejected::new("the token is not a JWT (header.payload.signature)");
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenRejected::new("the token is longer than 16 KB"));
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or_else(malformed)?;
    if payload.contains('.') {
        return Err(malformed());
    }
    let header = decode_object(header).ok_or_else(malformed)?;
    let algorithm = algorithm(&header)?;
    if header.contains_key("crit") {
        return Err(TokenRejected::new(
            "the token has critical header extensions this server does not understand",
        ));
    }
    let key_id = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(TokenRejected::new("the token's kid is not a string")),
    };
    let claims = decode_object(payload)
        .ok_or_else(|| TokenRejected::new("the token's payload is not a JSON object"))?;
    let signature = base64::decode(signature, Form::UrlSafe)
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| TokenRejected::new("the token's signature is missing or not base64url"))?;
    Ok(SignedToken {
        algorithm,
        key_id,
        claims,
        signing_input,
        signature,
    })
}

/// The header's `alg`, if it is on the allowlist; the refusal says why otherwise.
fn algorithm(header: &Map<String, Value>) -> Result<SignatureAlgorithm, TokenRejected> {
    let name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| TokenRejected::new("the token's header has no alg"))?;
    if let Some(algorithm) = SignatureAlgorithm::from_jws_name(name) {
        return Ok(algorithm);
    }
    let why = if name.eq_ignore_ascii_case("none") {
        "unsigned tokens (alg none) are refused".to_owned()
    } else if name.starts_with("HS") {
        format!("{name} is refused: tokens must be signed with a private key (RS256 or ES256)")
    } else {
        format!("the algorithm {name} is not accepted; sign with RS256 or ES256")
    };
    Err(TokenRejected::new(why))
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = base64::decode(part, Form::UrlSafe)?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        base64::encode(json, Form::UrlSafe)
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", encode(header), encode(payload))
    }

    #[test]
    fn reads_an_accepted_token() {
        let text = token(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
            r#"{"sub":"ada"}"#,
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.algorithm, SignatureAlgorithm::Es256);
        assert_eq!(parsed.key_id.as_deref(), Some("k1"));
        assert_eq!(parsed.claims["sub"], "ada");
        assert_eq!(parsed.signature, b"sig");
        assert_eq!(text.strip_suffix(".c2ln"), Some(parsed.signing_input));
    }

    #[test]
    fn refuses_what_is_not_an_accepted_jws() {
        let cases = [
            ("abc".to_owned(), "not a JWT"),
            ("a.b.c.d".to_owned(), "not a JWT"),
            (token(r#"{"alg":"none"}"#, "{}"), "alg none"),
            (token(r#"{"alg":"HS256"}"#, "{}"), "HS256 is refused"),
            (token(r#"{"alg":"PS512"}"#, "{}"), "PS512 is not accepted"),
            (token(r#"{"typ":"JWT"}"#, "{}"), "no alg"),
            (token(r#"{"alg":"RS256","crit":["b64"]}"#, "{}"), "critical"),
            (
                token(r#"{"alg":"RS256","kid":7}"#, "{}"),
                "kid is not a string",
            ),
            (
                token(r#"{"alg":"RS256"}"#, "[1]"),
                "payload is not a JSON object",
            ),
            (
                format!("{}.{}.", encode(r#"{"alg":"RS256"}"#), encode("{}")),
                "signature",
            ),
            (
                format!("{}.{}.***", encode(r#"{"alg":"RS256"}"#), encode("{}")),
                "signature",
            ),
            ("x".repeat(MAX_TOKEN_BYTES + 1), "16 KB"),
        ];
        for (text, expected) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.reason().contains(expected), "{text:.40}: {err}");
        }
    }
}
