use super::{BoxFuture, MaybeSend, MaybeSync};
use std::time::Duration;

/// Waiting, as the host does it.
///
/// # Behavior
/// - The returned future completes no earlier than `duration` from the call.
/// - Dropping the future cancels the wait.
///
/// The core races work against it to enforce time limits; it never sleeps otherwise.
pub trait Timer: MaybeSend + MaybeSync {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}
