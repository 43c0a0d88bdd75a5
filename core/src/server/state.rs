//! The `requestState` of multi-round requests (2026-07-28): opaque to the client, sealed
//! with an HMAC so the server can trust what comes back.
//!
//! A sealed state is `base64url(payload) "." base64url(mac)`, where the payload is JSON
//! `{"m": method, "n": name, "s": state}`: it only opens for the same method and the same
//! tool or prompt it was issued for. The key is the server's (see
//! [`ServerBuilder::state_secret`](crate::ServerBuilder::state_secret)); instances that
//! share a secret accept each other's states.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Seals `state` for a request to `method` on `name`.
pub(crate) fn seal(key: &[u8], method: &str, name: &str, state: &Value) -> String {
    let payload = json!({"m": method, "n": name, "s": state}).to_string();
    let mac = mac(key, payload.as_bytes());
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        URL_SAFE_NO_PAD.encode(mac)
    )
}

/// Opens a sealed state; `None` when it was altered, made by another key, or issued for
/// another method or name.
pub(crate) fn open(key: &[u8], method: &str, name: &str, sealed: &str) -> Option<Value> {
    let (payload, tag) = sealed.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let mut check = HmacSha256::new_from_slice(key).ok()?;
    check.update(&payload);
    // verify_slice compares in constant time.
    check.verify_slice(&tag).ok()?;
    let mut payload: Value = serde_json::from_slice(&payload).ok()?;
    if payload["m"] != method || payload["n"] != name {
        return None;
    }
    Some(payload["s"].take())
}

fn mac(key: &[u8], payload: &[u8]) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(payload);
            mac.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this arm cannot run.
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_opens_only_unaltered_with_its_key_method_and_name() {
        let key = b"0123456789abcdef0123456789abcdef";
        let state = json!({"round": 2, "name": "Alice"});
        let sealed = seal(key, "tools/call", "ask", &state);
        assert_eq!(open(key, "tools/call", "ask", &sealed), Some(state));
        assert_eq!(open(b"another key", "tools/call", "ask", &sealed), None);
        assert_eq!(open(key, "tools/call", "other", &sealed), None);
        assert_eq!(open(key, "prompts/get", "ask", &sealed), None);
        assert_eq!(
            open(key, "tools/call", "ask", &format!("{sealed}-TAMPERED")),
            None
        );
        let (payload, tag) = sealed.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"m":"tools/call","n":"ask","s":{"round":9}}"#);
        assert_eq!(
            open(key, "tools/call", "ask", &format!("{forged}.{tag}")),
            None
        );
        assert_eq!(open(key, "tools/call", "ask", payload), None);
        assert_eq!(open(key, "tools/call", "ask", "garbage"), None);
    }
}
