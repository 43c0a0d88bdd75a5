//! The runtime the native host gives the core: the system clock, tokio's timer, the
//! operating system's random source, an HTTPS client, aws-lc-rs signature checks, the
//! JSON log lines of [`crate::log`], and tokio tasks for work that outlives a response
//! (MCP tasks).

pub(crate) mod http_client;
mod signatures;

use edgemcp::runtime::{BoxFuture, Clock, LogEvent, Logger, Rng, Runtime, Spawner, Timer};
use edgemcp::{Error, ErrorKind};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }

    fn monotonic_micros(&self) -> u64 {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        let start = START.get_or_init(Instant::now);
        u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

struct TokioTimer;

impl Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Runs work on the tokio runtime of the caller (a thread of its own outside one). The
/// work lives as long as the process: a task whose process stops is failed once its lease
/// runs out.
struct TokioSpawner;

impl Spawner for TokioSpawner {
    fn spawn(&self, work: BoxFuture<'static, ()>) {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn(work)),
            Err(_) => {
                std::thread::spawn(move || {
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(runtime) => runtime.block_on(work),
                        Err(e) => crate::log::warn(
                            "a task's work could not start: no runtime",
                            &[("error", e.to_string().into())],
                        ),
                    }
                });
            }
        }
    }
}

struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) -> edgemcp::Result<()> {
        getrandom::fill(buf).map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("the OS random source failed: {e}"),
            )
        })
    }
}

struct JsonLines;

impl Logger for JsonLines {
    fn log(&self, event: &LogEvent<'_>) {
        crate::log::event(event);
    }
}

/// The runtime of this host. Must be used inside a tokio runtime (the timer needs one).
///
/// # Errors
/// When the HTTP client cannot start (its TLS configuration failed).
pub fn runtime() -> edgemcp::Result<Runtime> {
    Ok(Runtime::new(SystemClock, TokioTimer, OsRng)
        .with_http_client(http_client::ReqwestClient::new())
        .with_signature_verifier(signatures::AwsLcSignatures)
        .with_logger(JsonLines)
        .with_spawner(TokioSpawner))
}
