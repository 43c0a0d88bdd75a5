use super::{MaybeSend, MaybeSync};
use serde_json::{Map, Value};

/// How serious a server-side log event is.
///
/// These are the operator's logs, not the MCP `notifications/message` a client asks for
/// (see [`LogLevel`](crate::protocol::LogLevel)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Detail for debugging.
    Debug,
    /// Normal operation.
    Info,
    /// Something the operator should look at.
    Warn,
    /// A request failed because of the server or a backend.
    Error,
}

impl Severity {
    /// `debug`, `info`, `warn` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

/// One event for the server's log: what the operator reads, never the client.
#[derive(Debug, Clone, Copy)]
pub struct LogEvent<'a> {
    /// How serious it is.
    pub severity: Severity,
    /// What happened, in words.
    pub message: &'a str,
    /// Details as named values (a correlation id, the method, the error text).
    pub fields: &'a [(&'a str, Value)],
}

impl LogEvent<'_> {
    /// The event as one JSON object: `level`, `message` and the fields, keys in order.
    ///
    /// ```
    /// use edgemcp::runtime::{LogEvent, Severity};
    ///
    /// let fields = [("correlation_id", serde_json::json!("a1b2"))];
    /// let event = LogEvent { severity: Severity::Error, message: "request failed", fields: &fields };
    /// assert_eq!(
    ///     event.to_json().to_string(),
    ///     r#"{"correlation_id":"a1b2","level":"error","message":"request failed"}"#
    /// );
    /// ```
    pub fn to_json(&self) -> Value {
        let mut line = Map::new();
        line.insert("level".into(), self.severity.as_str().into());
        line.insert("message".into(), self.message.into());
        for (key, value) in self.fields {
            line.insert((*key).to_owned(), value.clone());
        }
        Value::Object(line)
    }
}

/// Where the server's log events go: stdout or stderr natively, `console` in JavaScript
/// hosts, a function of the user's in the npm package.
///
/// An event never holds a token, a key or a secret; a logger may print it as it is.
pub trait Logger: MaybeSend + MaybeSync {
    /// Records `event`. Must not fail or block for long: it runs inside requests.
    fn log(&self, event: &LogEvent<'_>);
}
