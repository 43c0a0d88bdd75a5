//! The signal that the client no longer wants a request answered.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// Whether the client cancelled the request (`notifications/cancelled`), shared by the
/// transport that heard it and the handler that runs it.
///
/// A handler that works in steps checks [`is_cancelled`](Self::is_cancelled) between
/// them, or races its work against [`cancelled`](Self::cancelled); either way it stops
/// early instead of finishing work nobody waits for. A session transport also drops the
/// handler's future when the signal fires, so a handler that never looks is stopped at
/// its next `await`.
///
/// ```
/// use edgemcp::Cancellation;
///
/// let signal = Cancellation::new();
/// let seen_by_the_tool = signal.clone();
/// assert!(!seen_by_the_tool.is_cancelled());
/// signal.cancel();
/// assert!(seen_by_the_tool.is_cancelled());
/// ```
#[derive(Clone, Default)]
pub struct Cancellation(Arc<Signal>);

#[derive(Default)]
struct Signal {
    fired: AtomicBool,
    waiting: Mutex<Vec<Waker>>,
}

impl Cancellation {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the signal and wakes everything waiting on it. Firing twice is harmless.
    pub fn cancel(&self) {
        self.0.fired.store(true, Ordering::SeqCst);
        let waiting = match self.0.waiting.lock() {
            Ok(mut waiting) => std::mem::take(&mut *waiting),
            Err(_) => return,
        };
        for waker in waiting {
            waker.wake();
        }
    }

    /// Whether the signal fired.
    pub fn is_cancelled(&self) -> bool {
        self.0.fired.load(Ordering::SeqCst)
    }

    /// A future that completes once the signal fires (at once if it already has).
    pub fn cancelled(&self) -> Cancelled {
        Cancelled(self.clone())
    }

    /// Whether `self` and `other` are the same signal.
    pub(crate) fn same_as(&self, other: &Cancellation) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Cancellation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Cancellation")
            .field(&self.is_cancelled())
            .finish()
    }
}

/// The future [`Cancellation::cancelled`] returns.
#[derive(Debug)]
pub struct Cancelled(Cancellation);

impl Future for Cancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let signal = &(self.0).0;
        if signal.fired.load(Ordering::SeqCst) {
            return Poll::Ready(());
        }
        if let Ok(mut waiting) = signal.waiting.lock() {
            if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
                waiting.push(cx.waker().clone());
            }
        }
        // Fired between the first check and the registration: the waker may have been
        // taken already, so look again rather than sleep forever.
        if signal.fired.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn the_future_completes_once_the_signal_fires() {
        let signal = Cancellation::new();
        let mut waiting = signal.cancelled();
        assert!((&mut waiting).now_or_never().is_none());
        signal.cancel();
        assert!(waiting.now_or_never().is_some());
        assert!(
            signal.cancelled().now_or_never().is_some(),
            "fired stays fired"
        );
    }

    #[test]
    fn clones_share_one_signal() {
        let signal = Cancellation::new();
        assert!(signal.same_as(&signal.clone()));
        assert!(!signal.same_as(&Cancellation::new()));
    }
}
