//! Deterministic runtime parts for tests.
//!
//! **Requires** the `testing` feature.

use super::{BoxFuture, Clock, Rng, Runtime, Timer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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
