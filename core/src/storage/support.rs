//! Small pieces every store needs the same way, for the stores in this crate and in the
//! hosts: listing cursors, etags, and locks that survive a panicking thread.

use crate::{Error, Result};
use std::sync::{Mutex, MutexGuard};

/// The cursor that resumes a key listing after `last_key` (opaque to clients).
///
/// ```
/// use edgemcp::storage::support::{key_after_cursor, key_cursor};
///
/// let cursor = key_cursor("logs/2024");
/// assert_eq!(key_after_cursor(&cursor, "logs/").unwrap(), "logs/2024");
/// assert!(key_after_cursor(&cursor, "images/").is_err());
/// ```
pub fn key_cursor(last_key: &str) -> String {
    crate::util::encode_cursor("after", last_key)
}

/// The key a cursor made by [`key_cursor`] resumes after, checked to lie under `prefix`.
///
/// # Errors
/// [`ErrorKind::InvalidParams`](crate::ErrorKind::InvalidParams) for a cursor this crate
/// did not make, or one of a listing under another prefix.
pub fn key_after_cursor(cursor: &str, prefix: &str) -> Result<String> {
    crate::util::decode_cursor("after", cursor)
        .filter(|key| key.starts_with(prefix))
        .ok_or_else(|| {
            Error::invalid_params(
                "the list cursor is malformed or belongs to another prefix; \
                 list again without a cursor to start from the first page",
            )
        })
}

/// The etag of an object's body: its 64-bit FNV-1a hash as 16 hex digits.
///
/// ```
/// assert_eq!(edgemcp::storage::support::etag(b""), "cbf29ce484222325");
/// ```
pub fn etag(body: &[u8]) -> String {
    format!("{:016x}", crate::util::fnv1a(&[body]))
}

/// Locks `mutex`, turning a poisoned lock (a thread panicked while holding it) into a
/// storage error instead of a second panic.
///
/// # Errors
/// [`ErrorKind::Storage`](crate::ErrorKind::Storage) naming `what` when the lock is
/// poisoned.
pub fn lock<'m, T>(mutex: &'m Mutex<T>, what: &str) -> Result<MutexGuard<'m, T>> {
    mutex.lock().map_err(|_| {
        Error::storage(format!(
            "the {what} is unusable because a thread panicked while using it; restart the server"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn key_cursors_round_trip_and_refuse_garbage() {
        for key in ["logs/2024", "", "ünïcode/ key", "a%b_c", "with:colon"] {
            let cursor = key_cursor(key);
            assert_eq!(key_after_cursor(&cursor, "").ok().as_deref(), Some(key));
        }
        let cursor = key_cursor("logs/2024");
        assert!(
            key_after_cursor(&cursor, "other/").is_err(),
            "another prefix's cursor"
        );
        for bad in ["not a cursor!", "abc", "", "zz", "ff"] {
            let err = key_after_cursor(bad, "").err();
            assert!(
                err.is_some_and(|e| e.kind() == ErrorKind::InvalidParams
                    && e.message().contains("without a cursor")),
                "{bad:?} must be refused with a hint"
            );
        }
    }

    #[test]
    fn etags_are_fnv1a_of_the_body() {
        assert_eq!(etag(b""), "cbf29ce484222325");
        assert_ne!(etag(b"abc"), etag(b"abd"));
        assert_eq!(
            crate::util::fnv1a(&[b"ab", b"c"]),
            crate::util::fnv1a(&[b"abc"])
        );
    }
}
