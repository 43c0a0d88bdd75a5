//! Deterministic runtime parts for tests.
//!
//! **Requires** the `testing` feature.

use super::{BoxFuture, Clock, LogEvent, Logger, Rng, Runtime, Timer};
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A clock that stands still until moved.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock reading `unix_ms`.
    pub fn new(unix_ms: u64) -> Self {
        ManualClock(Arc::new(AtomicU64::new(unix_ms)))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A timer whose waits complete at once: every time limit is already reached.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImmediateTimer;

impl Timer for ImmediateTimer {
    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }
}

/// A timer whose waits never complete: no time limit is ever reached.
#[derive(Debug, Clone, Copy, Default)]
pub struct NeverTimer;

impl Timer for NeverTimer {
    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(futures_util::future::pending())
    }
}

/// Predictable "random" bytes: a counter.
#[derive(Debug, Default)]
pub struct CountingRng(AtomicU64);

impl Rng for CountingRng {
    fn fill(&self, buf: &mut [u8]) -> crate::Result<()> {
        for byte in buf {
            *byte = self.0.fetch_add(1, Ordering::SeqCst) as u8;
        }
        Ok(())
    }
}

/// A logger that keeps every event, as JSON, for a test to read.
///
/// ```
/// use edgemcp::runtime::{testing::CapturingLogger, Runtime, Severity};
///
/// let logs = CapturingLogger::default();
/// let runtime = Runtime::for_tests(0).with_logger(logs.clone());
/// runtime.log(Severity::Info, "started", &[]);
/// assert_eq!(logs.events()[0]["message"], "started");
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapturingLogger(Arc<Mutex<Vec<Value>>>);

impl CapturingLogger {
    /// The events so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Everything logged so far, as text, for checks that something appears nowhere.
    pub fn text(&self) -> String {
        self.events()
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Logger for CapturingLogger {
    fn log(&self, event: &LogEvent<'_>) {
        if let Ok(mut events) = self.0.lock() {
            events.push(event.to_json());
        }
    }
}

impl Runtime {
    /// A runtime for tests: a clock at `unix_ms`, timers that never fire, counting bytes.
    ///
    /// **Requires** the `testing` feature.
    pub fn for_tests(unix_ms: u64) -> Self {
        Runtime::new(
            ManualClock::new(unix_ms),
            NeverTimer,
            CountingRng::default(),
        )
    }
}

/// Runs each piece of work to its end on a thread of its own, for tests of tasks on
/// native targets.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Default, Clone, Copy)]
pub struct ThreadSpawner;

#[cfg(not(target_arch = "wasm32"))]
impl super::Spawner for ThreadSpawner {
    fn spawn(&self, mut work: super::BoxFuture<'static, ()>) {
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        std::thread::spawn(move || {
            let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
            let mut cx = Context::from_waker(&waker);
            while work.as_mut().poll(&mut cx) == Poll::Pending {
                std::thread::park();
            }
        });
    }
}
