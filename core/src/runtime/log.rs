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
    /// The level a `EDGEMCP_LOG_LEVEL` (or `RUST_LOG`-style) setting asks for: `debug`,
    /// `info`, `warn`, `error` or `off` (`None`), optionally as directives such as
    /// `warn,edgemcp=debug`, where the `edgemcp` directive wins over the bare level.
    /// Anything else is an error naming the setting.
    ///
    /// ```
    /// use edgemcp::runtime::Severity;
    ///
    /// assert_eq!(Severity::from_directives("warn")?, Some(Severity::Warn));
    /// assert_eq!(
    ///     Severity::from_directives("info,edgemcp=debug,hyper=off")?,
    ///     Some(Severity::Debug)
    /// );
    /// assert_eq!(Severity::from_directives("off")?, None);
    /// assert!(Severity::from_directives("loud").is_err());
    /// # Ok::<(), edgemcp::Error>(())
    /// ```
    ///
    /// # Errors
    /// A configuration error when a level is not one of the five.
    pub fn from_directives(text: &str) -> crate::Result<Option<Severity>> {
        let level = |name: &str| match name.trim().to_ascii_lowercase().as_str() {
            "trace" | "debug" => Ok(Some(Severity::Debug)),
            "info" => Ok(Some(Severity::Info)),
            "warn" | "warning" => Ok(Some(Severity::Warn)),
            "error" => Ok(Some(Severity::Error)),
            "off" | "none" => Ok(None),
            other => Err(crate::Error::config(format!(
                "The log level {other:?} is not one of debug, info, warn, error, off."
            ))),
        };
        let mut bare = Ok(Some(Severity::Info));
        for directive in text.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match directive.split_once('=') {
                Some((target, value)) if target.trim().starts_with("edgemcp") => {
                    return level(value)
                }
                Some(_) => {}
                None => bare = level(directive),
            }
        }
        bare
    }

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
