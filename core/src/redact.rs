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

#[cfg(test)]
mod tests {
    use super::*;

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
