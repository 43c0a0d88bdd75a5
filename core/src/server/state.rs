//! The `requestState` of multi-round requests (2026-07-28), sealed with an HMAC so the
//! server can trust what comes back.
//!
//! A sealed state is `base64url(payload) "." base64url(mac)`, the MAC an HMAC-SHA-256 of
//! the payload under the server's key (see
//! [`ServerBuilder::state_secret`](crate::ServerBuilder::state_secret)); instances that
//! share a secret accept each other's states. The payload is JSON:
//!
//! | member | holds |
//! |---|---|
//! | `v` | the format, `1` |
//! | `m`, `n` | the method and the tool or prompt name it was issued for |
//! | `c` | the caller: `{"sub": subject, "tenant": tenant or null}`, or `"anonymous"` |
//! | `iat`, `exp` | when it was issued and when it expires, in Unix milliseconds |
//! | `s` | the state the handler kept |
//!
//! It is signed, not encrypted: a client that decodes the base64url reads all of the
//! above. A state opens only unaltered, for the same method, name and caller, before it
//! expires; a handler must keep nothing in it that its caller may not see.

use crate::auth::Admitted;
use crate::base64::{self, Form};
use crate::hmac::{constant_time_eq, hmac_sha256};
use serde_json::{json, Value};

/// What a state is bound to besides its contents: the request it answers and its caller.
pub(crate) struct Binding<'a> {
    pub(crate) method: &'a str,
    pub(crate) name: &'a str,
    pub(crate) caller: Value,
}

impl<'a> Binding<'a> {
    /// The binding of a request to `method` on `name` by `caller`.
    pub(crate) fn new(method: &'a str, name: &'a str, caller: &Admitted) -> Self {
        let caller = match caller {
            Some(who) => json!({"sub": who.subject, "tenant": who.tenant}),
            None => json!("anonymous"),
        };
        Binding {
            method,
            name,
            caller,
        }
    }
}

/// Why a state did not open; each says what the client should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unsealed {
    /// Altered, malformed, or sealed under another key.
    Tampered,
    /// Issued for another method or name.
    OtherRequest,
    /// Issued to another caller or tenant.
    OtherCaller,
    /// Past its expiry, by this many milliseconds.
    Expired(u64),
}

impl Unsealed {
    /// The message for the -32602 that refuses the request.
    pub(crate) fn message(&self) -> String {
        match self {
            Unsealed::Tampered => "requestState failed its integrity check: send back the \
                requestState of the last input_required result unchanged, or start the call \
                again without one."
                .to_owned(),
            Unsealed::OtherRequest => "requestState was issued for another method or name: \
                send it back only with the request it answered."
                .to_owned(),
            Unsealed::OtherCaller => "requestState was issued to another caller: start the \
                call again without one."
                .to_owned(),
            Unsealed::Expired(ms) => format!(
                "requestState expired {} s ago: start the call again without one.",
                ms.div_ceil(1000)
            ),
        }
    }
}

/// Seals `state` for `binding`, issued at `now_ms` and valid for `ttl_ms`.
pub(crate) fn seal(
    key: &[u8],
    binding: &Binding<'_>,
    state: &Value,
    now_ms: u64,
    ttl_ms: u64,
) -> String {
    let payload = json!({
        "v": 1,
        "m": binding.method,
        "n": binding.name,
        "c": binding.caller,
        "iat": now_ms,
        "exp": now_ms.saturating_add(ttl_ms),
        "s": state,
    })
    .to_string();
    format!(
        "{}.{}",
        base64::encode(&payload, Form::UrlSafe),
        base64::encode(hmac_sha256(key, payload.as_bytes()), Form::UrlSafe)
    )
}

/// Opens a sealed state for `binding` at `now_ms`: the state the handler kept, or why not.
pub(crate) fn open(
    key: &[u8],
    binding: &Binding<'_>,
    sealed: &str,
    now_ms: u64,
) -> Result<Value, Unsealed> {
    let (payload, tag) = sealed.split_once('.').ok_or(Unsealed::Tampered)?;
    let payload = base64::decode(payload, Form::UrlSafe).ok_or(Unsealed::Tampered)?;
    let tag = base64::decode(tag, Form::UrlSafe).ok_or(Unsealed::Tampered)?;
    if !constant_time_eq(&hmac_sha256(key, &payload), &tag) {
        return Err(Unsealed::Tampered);
    }
    let mut payload: Value = serde_json::from_slice(&payload).map_err(|_| Unsealed::Tampered)?;
    let expires = payload["exp"].as_u64();
    if payload["v"] != 1 || expires.is_none() {
        return Err(Unsealed::Tampered);
    }
    if payload["c"] != binding.caller {
        return Err(Unsealed::OtherCaller);
    }
    if payload["m"] != binding.method || payload["n"] != binding.name {
        return Err(Unsealed::OtherRequest);
    }
    match expires {
        Some(at) if now_ms > at => Err(Unsealed::Expired(now_ms - at)),
        _ => Ok(payload["s"].take()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Identity;
    use std::sync::Arc;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn caller(subject: &str, tenant: Option<&str>) -> Admitted {
        let mut who = Identity::new(subject);
        who.tenant = tenant.map(str::to_owned);
        Some(Arc::new(who))
    }

    #[test]
    fn a_state_opens_only_unaltered_for_its_request_and_caller_before_it_expires() {
        let ada = caller("ada", Some("acme"));
        let ask = Binding::new("tools/call", "ask", &ada);
        let state = json!({"round": 2, "name": "Alice"});
        let sealed = seal(KEY, &ask, &state, 1_000, 60_000);
        assert_eq!(open(KEY, &ask, &sealed, 1_000), Ok(state.clone()));
        assert_eq!(open(KEY, &ask, &sealed, 61_000), Ok(state));
        assert_eq!(open(KEY, &ask, &sealed, 61_001), Err(Unsealed::Expired(1)));
        assert_eq!(
            open(b"another key", &ask, &sealed, 1_000),
            Err(Unsealed::Tampered)
        );
        for other in [
            Binding::new("tools/call", "ask", &caller("grace", Some("acme"))),
            Binding::new("tools/call", "ask", &caller("ada", Some("globex"))),
            Binding::new("tools/call", "ask", &caller("ada", None)),
            Binding::new("tools/call", "ask", &None),
        ] {
            assert_eq!(
                open(KEY, &other, &sealed, 1_000),
                Err(Unsealed::OtherCaller)
            );
        }
        for other in [
            Binding::new("tools/call", "other", &ada),
            Binding::new("prompts/get", "ask", &ada),
        ] {
            assert_eq!(
                open(KEY, &other, &sealed, 1_000),
                Err(Unsealed::OtherRequest)
            );
        }
        let (payload, tag) = sealed.split_once('.').unwrap();
        let forged = base64::encode(
            br#"{"v":1,"m":"tools/call","n":"ask","c":"anonymous","iat":0,"exp":9999999999999,"s":{"round":9}}"#,
            Form::UrlSafe,
        );
        for bad in [
            format!("{sealed}-TAMPERED"),
            format!("{forged}.{tag}"),
            payload.to_owned(),
            "garbage".to_owned(),
            ".".to_owned(),
        ] {
            assert_eq!(
                open(KEY, &ask, &bad, 1_000),
                Err(Unsealed::Tampered),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_byte_of_a_sealed_state_is_covered() {
        let ask = Binding::new("tools/call", "ask", &None);
        let sealed = seal(KEY, &ask, &json!({"n": 1}), 0, 1_000);
        let mut bytes = sealed.clone().into_bytes();
        for i in 0..bytes.len() {
            let original = bytes[i];
            // Another base64url character (or the separator moved), never the same one.
            bytes[i] = if original == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes.clone()).unwrap();
            if changed != sealed {
                assert_eq!(
                    open(KEY, &ask, &changed, 0),
                    Err(Unsealed::Tampered),
                    "byte {i} changed"
                );
            }
            bytes[i] = original;
        }
    }

    #[test]
    fn the_payload_reads_as_documented() {
        let ada = caller("ada", Some("acme"));
        let sealed = seal(
            KEY,
            &Binding::new("tools/call", "ask", &ada),
            &json!({"k": 1}),
            5,
            10,
        );
        let payload = base64::decode(sealed.split_once('.').unwrap().0, Form::UrlSafe).unwrap();
        let payload: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            payload,
            json!({"v": 1, "m": "tools/call", "n": "ask", "c": {"sub": "ada", "tenant": "acme"},
                   "iat": 5, "exp": 15, "s": {"k": 1}})
        );
    }
}
