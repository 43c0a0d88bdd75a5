//! Error messages with their causes, which name what actually failed (connection refused,
//! a TLS or DNS failure) where the outer error only says that a request failed.

/// `err`'s text followed by each cause's, joined with `: `.
pub(crate) fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
