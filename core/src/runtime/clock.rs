use super::{MaybeSend, MaybeSync};

/// Wall-clock time, as the host knows it.
///
/// # Behavior
/// - Returns milliseconds since the Unix epoch.
/// - Need not be monotonic; the core only uses it for timestamps and expiry checks.
///
/// Workers implement it with `Date.now()`, native hosts with `SystemTime`.
pub trait Clock: MaybeSend + MaybeSync {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_unix_ms(&self) -> u64;

    /// Microseconds from a fixed point, never going back: what durations are measured
    /// with. Defaults to the wall clock in whole milliseconds; native hosts give a finer
    /// monotonic clock.
    fn monotonic_micros(&self) -> u64 {
        self.now_unix_ms().saturating_mul(1000)
    }
}
