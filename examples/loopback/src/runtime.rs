//! The runtime this host gives the core: the system clock, sleeping threads, the OS's
//! random source.

use edgemcp::runtime::{BoxFuture, Clock, Rng, Runtime, Timer};
use edgemcp::{Error, ErrorKind};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

struct SystemClock;

impl Clock for SystemClock {
    fn now_unix_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// Each wait is a thread that sleeps, then completes a one-shot channel.
struct ThreadTimer;

impl Timer for ThreadTimer {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let (done, wait) = futures_channel::oneshot::channel::<()>();
        std::thread::spawn(move || {
            std::thread::sleep(duration);
            let _ = done.send(());
        });
        Box::pin(async move {
            let _ = wait.await;
        })
    }
}

struct OsRng;

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) -> edgemcp::Result<()> {
        getrandom::fill(buf).map_err(|err| {
            Error::new(
                ErrorKind::Internal,
                format!("the OS random source failed: {err}"),
            )
        })
    }
}

/// The runtime of this host.
pub(crate) fn runtime() -> Runtime {
    Runtime::new(SystemClock, ThreadTimer, OsRng)
}
