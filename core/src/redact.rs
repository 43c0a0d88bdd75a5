//! Keeping secrets out of logs, errors and debug output.
//!
//! Hosts and configuration types print settings through these helpers, so a secret
//! (a key, a token, a password) shows up as [`REDACTED`] wherever it would appear.

/// What stands in for a secret value.
pub const REDACTED: &str = "<redacted>";

/// Words that mark a variable as holding a secret, matched in its upper-case name.
const SECRET_WORDS: [&str; 9] = [
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "API_KEY",
    "PRIVATE",
    "CREDENTIAL",
    "HEADERS",
    "DSN",
    "DATABASE_URL",
];

/// Whether two secrets are equal, in time that does not depend on where they differ:
/// for comparing a presented token with the expected one.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    crate::hmac::constant_time_eq(a, b)
}

/// Whether the variable `name` holds a secret, judged by its name:
/// `EDGEMCP_STATE_SECRET`, `EDGEMCP_AUTH_API_KEYS`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `OTEL_EXPORTER_OTLP_HEADERS` and the like.
///
/// ```
/// use edgemcp::redact::is_secret_variable;
///
/// assert!(is_secret_variable("EDGEMCP_STATE_SECRET"));
/// assert!(is_secret_variable("aws_session_token"));
/// assert!(!is_secret_variable("EDGEMCP_SQL_MAX_ROWS"));
/// ```
pub fn is_secret_variable(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|word| upper.contains(word))
}

/// `value`, or [`REDACTED`] when the variable `name` holds a secret.
pub fn variable_for_display<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_variable(name) {
        REDACTED
    } else {
        value
    }
}

/// Words that mark an argument or field as holding a secret, matched in its lower-case
/// name.
const SECRET_FIELD_WORDS: [&str; 10] = [
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "credential",
    "private",
];

/// A copy of `value` with the value of every member whose name looks secret (`password`,
/// `token`, `apiKey`, `authorization`, …), at any depth, replaced by [`REDACTED`].
///
/// ```
/// use edgemcp::redact::mask_secrets;
/// use serde_json::json;
///
/// let masked = mask_secrets(&json!({"user": "ada", "auth": {"accessToken": "abc"}}));
/// assert_eq!(masked, json!({"user": "ada", "auth": {"accessToken": "<redacted>"}}));
/// ```
pub fn mask_secrets(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(name, member)| {
                    let lower = name.to_ascii_lowercase();
                    let masked = if SECRET_FIELD_WORDS.iter().any(|word| lower.contains(word)) {
                        Value::String(REDACTED.to_owned())
                    } else {
                        mask_secrets(member)
                    };
                    (name.clone(), masked)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_secrets).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_members_are_masked_at_any_depth() {
        let value = serde_json::json!({
            "key": "orders/1",
            "Password": "p",
            "nested": [{"api_key": "k", "value": 1}],
            "x-authorization": {"deep": "t"},
        });
        assert_eq!(
            mask_secrets(&value),
            serde_json::json!({
                "key": "orders/1",
                "Password": REDACTED,
                "nested": [{"api_key": REDACTED, "value": 1}],
                "x-authorization": REDACTED,
            })
        );
    }

    #[test]
    fn every_secret_the_hosts_read_is_recognised() {
        for name in [
            "EDGEMCP_STATE_SECRET",
            "EDGEMCP_AUTH_API_KEYS",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "OTEL_EXPORTER_OTLP_HEADERS",
        ] {
            assert_eq!(variable_for_display(name, "hunter2"), REDACTED, "{name}");
        }
        for name in ["EDGEMCP_AUTH_ISSUER", "EDGEMCP_KV_PREFIX", "PORT"] {
            assert_eq!(variable_for_display(name, "plain"), "plain", "{name}");
        }
    }
}
