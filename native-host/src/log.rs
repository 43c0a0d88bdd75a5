//! Structured logs: one JSON object per line, on stdout when serving HTTP (where Cloud Run
//! and Lambda collect them) and on stderr for stdio (where stdout carries the protocol).
//! Each line has `ts_ms`, `level`, Cloud Logging's `severity`, `message` and the event's
//! fields; with `GOOGLE_CLOUD_PROJECT` set, a `trace_id` also becomes
//! `logging.googleapis.com/trace`.

use serde_json::{Map, Value};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Sends every later log line to stderr (stdio mode).
pub fn use_stderr() {
    TO_STDERR.store(true, Ordering::Relaxed);
}

/// Logs an event at level `info`.
pub fn info(message: &str, fields: &[(&str, Value)]) {
    write("info", message, fields);
}

/// Logs an event at level `warn`.
pub fn warn(message: &str, fields: &[(&str, Value)]) {
    write("warn", message, fields);
}

/// Logs an event at level `error`.
pub fn error(message: &str, fields: &[(&str, Value)]) {
    write("error", message, fields);
}

/// The Google Cloud project the lines' traces belong to (`GOOGLE_CLOUD_PROJECT`), read
/// once.
fn gcp_project() -> Option<&'static str> {
    static PROJECT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    PROJECT
        .get_or_init(|| {
            std::env::var("GOOGLE_CLOUD_PROJECT")
                .ok()
                .filter(|p| !p.is_empty())
        })
        .as_deref()
}

/// Logs an event the core sent through its runtime.
pub fn event(event: &edgemcp::runtime::LogEvent<'_>) {
    write(event.severity.as_str(), event.message, event.fields);
}

fn write(level: &str, message: &str, fields: &[(&str, Value)]) {
    let mut line = Map::new();
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    line.insert("ts_ms".into(), ms.into());
    line.insert("level".into(), level.into());
    // Cloud Logging reads `severity`; CloudWatch and the rest ignore it.
    line.insert(
        "severity".into(),
        level.to_ascii_uppercase().replace("WARN", "WARNING").into(),
    );
    line.insert("message".into(), message.into());
    for (key, value) in fields {
        line.insert((*key).to_owned(), value.clone());
    }
    // On Google Cloud, a trace field in this form links the line to its trace.
    if let (Some(project), Some(Value::String(trace))) = (gcp_project(), line.get("trace_id")) {
        let trace = format!("projects/{project}/traces/{trace}");
        line.insert("logging.googleapis.com/trace".into(), trace.into());
    }
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    // A closed log pipe must not take the server down.
    let _ = if TO_STDERR.load(Ordering::Relaxed) {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())
    };
}
