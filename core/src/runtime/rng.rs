use super::{MaybeSend, MaybeSync};

/// Cryptographically secure random bytes, from the host.
///
/// Workers and browsers implement it with `crypto.getRandomValues`, native hosts with the
/// operating system's source.
pub trait Rng: MaybeSend + MaybeSync {
    /// Fills `buf` with random bytes.
    ///
    /// # Errors
    /// Returns an error when the host's source is unavailable.
    fn fill(&self, buf: &mut [u8]) -> crate::Result<()>;
}
