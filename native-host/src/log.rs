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
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
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
    // Each thread writes its lines into one buffer it keeps, so a line costs no
    // allocation; a line logged while another is being written gets a buffer of its own.
    let written = LINE.try_with(|line| match line.try_borrow_mut() {
        Ok(mut line) => write_line(&mut line, level, message, fields),
        Err(_) => write_line(&mut Vec::new(), level, message, fields),
    });
    if written.is_err() {
        // The thread is exiting and its buffer is gone.
        write_line(&mut Vec::new(), level, message, fields);
    }
}

thread_local! {
    static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(512));
}

/// Writes one line into `line` (cleared first), member by member with no copy of the
/// fields into a map, and hands it to the writer.
fn write_line(line: &mut Vec<u8>, level: &str, message: &str, fields: &[(&str, Value)]) {
    line.clear();
    line.push(b'{');
    if !fields.iter().any(|(key, _)| *key == "ts_ms") {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        member(line, "ts_ms", &ms.into());
    }
    member_str(line, "level", level);
    // Cloud Logging reads `severity`; CloudWatch and the rest ignore it.
    let severity = match level {
        "warn" => "WARNING",
        "error" => "ERROR",
        "debug" => "DEBUG",
        _ => "INFO",
    };
    member_str(line, "severity", severity);
    member_str(line, "message", message);
    for (key, value) in fields {
        if !matches!(*key, "level" | "severity" | "message") {
            member(line, key, value);
        }
    }
    // On Google Cloud, a trace field in this form links the line to its trace.
    let trace = fields
        .iter()
        .find(|(key, _)| *key == "trace_id")
        .and_then(|(_, value)| value.as_str());
    if let (Some(project), Some(trace)) = (gcp_project(), trace) {
        let trace = format!("projects/{project}/traces/{trace}");
        member_str(line, "logging.googleapis.com/trace", &trace);
    }
    line.extend_from_slice(b"}\n");
    queue(line);
}

/// Appends `"key":value` to the object `line` is writing.
fn member(line: &mut Vec<u8>, key: &str, value: &Value) {
    match value {
        // Most values are ids, names and methods: strings take the short way.
        Value::String(text) => member_str(line, key, text),
        other => {
            member_key(line, key);
            // Serialising a JSON value into memory cannot fail.
            let _ = serde_json::to_writer(&mut *line, other);
        }
    }
}

/// Appends `"key":"text"` to the object `line` is writing.
fn member_str(line: &mut Vec<u8>, key: &str, text: &str) {
    member_key(line, key);
    string(line, text);
}

/// Appends `"key":`, after a comma unless it is the object's first member.
fn member_key(line: &mut Vec<u8>, key: &str) {
    if line.len() > 1 {
        line.push(b',');
    }
    string(line, key);
    line.push(b':');
}

/// Appends `text` as a JSON string: copied as it is when nothing in it needs escaping
/// (ids, names, methods), else escaped by `serde_json`.
fn string(line: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        let _ = serde_json::to_writer(&mut *line, text);
    } else {
        line.push(b'"');
        line.extend_from_slice(text.as_bytes());
        line.push(b'"');
    }
}

/// Whether `bytes` hold a control character, a quote or a backslash, the bytes a JSON
/// string must escape. Eight bytes are looked at per step: log lines are mostly ids.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Non-zero exactly when some byte of `word` is below `n` (for `n` up to 0x80).
    let any_below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let any_equal = |word: u64, b: u8| any_below(word ^ (ONES * u64::from(b)), 1);
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            return true;
        };
        let word = u64::from_ne_bytes(word);
        if any_below(word, 0x20) | any_equal(word, b'"') | any_equal(word, b'\\') != 0 {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Lines waiting for the writer thread, and the flushes waiting for them to be written.
#[derive(Default)]
struct Pending {
    text: Vec<u8>,
    flushes: Vec<Sender<()>>,
}

/// The writer thread's queue and the signal that wakes it.
struct Writer {
    pending: Mutex<Pending>,
    wake: Condvar,
}

impl Writer {
    /// The queue, locked. A panic while it was held leaves lines that are still lines.
    fn pending(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Hands `line` to the writer thread: requests never wait on the log pipe. When the
/// thread could not start, the line is written in place.
fn queue(line: &[u8]) {
    let Some(writer) = writer() else {
        emit(line);
        return;
    };
    let mut pending = writer.pending();
    let idle = pending.text.is_empty() && pending.flushes.is_empty();
    pending.text.extend_from_slice(line);
    drop(pending);
    if idle {
        writer.wake.notify_one();
    }
}

/// The writer thread's queue, started on first use; `None` when the thread could not
/// start.
fn writer() -> Option<&'static Writer> {
    static WRITER: OnceLock<Option<&'static Writer>> = OnceLock::new();
    *WRITER.get_or_init(|| {
        let writer: &'static Writer = Box::leak(Box::new(Writer {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
        }));
        let started = std::thread::Builder::new()
            .name("edgemcp-log".into())
            .spawn(move || write_forever(writer));
        started.ok().map(|_| writer)
    })
}

/// The writer thread: waits for lines, lets more gather for a moment (under load one
/// wake-up and one write then carry many lines; a flush does not wait), writes them.
fn write_forever(writer: &Writer) {
    let mut batch = Vec::new();
    loop {
        let mut pending = writer.pending();
        while pending.text.is_empty() && pending.flushes.is_empty() {
            pending = writer
                .wake
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if pending.flushes.is_empty() {
            drop(pending);
            std::thread::sleep(BATCH_WAIT);
            pending = writer.pending();
        }
        std::mem::swap(&mut batch, &mut pending.text);
        let flushed = std::mem::take(&mut pending.flushes);
        drop(pending);
        emit(&batch);
        batch.clear();
        for done in flushed {
            let _ = done.send(());
        }
    }
}

/// Waits (up to a second) until every line logged so far is written: call it before
/// the process exits.
pub fn flush() {
    if let Some(writer) = writer() {
        let (done, written) = channel();
        writer.pending().flushes.push(done);
        writer.wake.notify_one();
        let _ = written.recv_timeout(Duration::from_secs(1));
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The short way writes exactly what `serde_json` would, whatever the text holds:
        /// quotes, backslashes, control characters, any Unicode.
        #[test]
        fn strings_are_written_as_serde_json_writes_them(
            text in prop_oneof![any::<String>(), "[ -~\u{0}-\u{1f}\u{80}-\u{ff}]{0,40}"],
        ) {
            let mut line = Vec::new();
            string(&mut line, &text);
            prop_assert_eq!(line, serde_json::to_vec(&text).unwrap());
        }

        #[test]
        fn members_are_written_as_serde_json_writes_them(
            key in "k[a-z_\"\\\\\u{0}-\u{1f}]{0,11}",
            text in "[ -~\u{0}-\u{1f}é]{0,24}",
            number in any::<i64>(),
        ) {
            let mut line = b"{".to_vec();
            member(&mut line, &key, &Value::from(text.clone()));
            member(&mut line, "n", &Value::from(number));
            line.push(b'}');
            let parsed: serde_json::Map<String, Value> = serde_json::from_slice(&line).unwrap();
            prop_assert_eq!(&parsed[&key], &Value::from(text));
            prop_assert_eq!(&parsed["n"], &Value::from(number));
        }
    }
}
