//! Structured logs: one JSON object per line, on stdout when serving HTTP (where Cloud Run
//! and Lambda collect them) and on stderr for stdio (where stdout carries the protocol).
//! Each line has `ts_ms`, `level`, Cloud Logging's `severity`, `message` and the event's
//! fields; with `GOOGLE_CLOUD_PROJECT` set, a `trace_id` also becomes
//! `logging.googleapis.com/trace`.
//!
//! Lines go through a writer thread that writes what gathered every couple of
//! milliseconds, so a request never waits on the log pipe; call [`flush`] before the
//! process exits or freezes (as Lambda freezes it between invocations).

use serde_json::Value;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static TO_STDERR: AtomicBool = AtomicBool::new(false);

/// How long the writer thread lets lines gather before it writes them.
const BATCH_WAIT: Duration = Duration::from_millis(2);

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
    static PROJECT: OnceLock<Option<String>> = OnceLock::new();
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
    // Written member by member: no copy of the fields into a map first.
    let mut line = Vec::with_capacity(512);
    line.push(b'{');
    if !fields.iter().any(|(key, _)| *key == "ts_ms") {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        member(&mut line, "ts_ms", &ms);
    }
    member(&mut line, "level", level);
    // Cloud Logging reads `severity`; CloudWatch and the rest ignore it.
    let severity = match level {
        "warn" => "WARNING",
        "error" => "ERROR",
        "debug" => "DEBUG",
        _ => "INFO",
    };
    member(&mut line, "severity", severity);
    member(&mut line, "message", message);
    for (key, value) in fields {
        if !matches!(*key, "level" | "severity" | "message") {
            member(&mut line, key, value);
        }
    }
    // On Google Cloud, a trace field in this form links the line to its trace.
    let trace = fields
        .iter()
        .find(|(key, _)| *key == "trace_id")
        .and_then(|(_, value)| value.as_str());
    if let (Some(project), Some(trace)) = (gcp_project(), trace) {
        let trace = format!("projects/{project}/traces/{trace}");
        member(&mut line, "logging.googleapis.com/trace", &trace);
    }
    line.extend_from_slice(b"}\n");
    match writer() {
        Some(writer) => {
            if let Err(unsent) = writer.send(Line::Text(line)) {
                if let Line::Text(line) = unsent.0 {
                    emit(&line);
                }
            }
        }
        None => emit(&line),
    }
}

/// Appends `"key":value` to the object `line` is writing.
fn member(line: &mut Vec<u8>, key: &str, value: &(impl serde::Serialize + ?Sized)) {
    if line.len() > 1 {
        line.push(b',');
    }
    // Serialising a string or a JSON value into memory cannot fail.
    let _ = serde_json::to_writer(&mut *line, key);
    line.push(b':');
    let _ = serde_json::to_writer(&mut *line, value);
}

/// What the writer thread receives.
enum Line {
    Text(Vec<u8>),
    /// Answered once every line sent before it is written.
    Flush(Sender<()>),
}

/// The writer thread's queue: requests hand their lines over and never wait on the log
/// pipe. `None` when the thread could not start; lines are then written in place.
fn writer() -> Option<&'static Sender<Line>> {
    static WRITER: OnceLock<Option<Sender<Line>>> = OnceLock::new();
    WRITER
        .get_or_init(|| {
            let (lines, queue) = channel::<Line>();
            let started = std::thread::Builder::new()
                .name("edgemcp-log".into())
                .spawn(move || {
                    let mut batch = Vec::new();
                    while let Ok(first) = queue.recv() {
                        // Under load, waiting a moment lets one wake-up and one write
                        // carry many lines; a flush request does not wait.
                        if !matches!(first, Line::Flush(_)) {
                            std::thread::sleep(BATCH_WAIT);
                        }
                        // Everything queued meanwhile goes out in one write.
                        let mut flushed = Vec::new();
                        let mut next = Some(first);
                        while let Some(line) = next {
                            match line {
                                Line::Text(text) => batch.extend_from_slice(&text),
                                Line::Flush(done) => flushed.push(done),
                            }
                            next = queue.try_recv().ok();
                        }
                        emit(&batch);
                        batch.clear();
                        for done in flushed {
                            let _ = done.send(());
                        }
                    }
                });
            started.ok().map(|_| lines)
        })
        .as_ref()
}

/// Waits (up to a second) until every line logged so far is written: call it before
/// the process exits.
pub fn flush() {
    if let Some(writer) = writer() {
        let (done, written) = channel();
        if writer.send(Line::Flush(done)).is_ok() {
            let _ = written.recv_timeout(Duration::from_secs(1));
        }
    }
}

fn emit(bytes: &[u8]) {
    // A closed log pipe must not take the server down.
    let _ = if TO_STDERR.load(Ordering::Relaxed) {
        std::io::stderr().lock().write_all(bytes)
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).and_then(|()| out.flush())
    };
}
