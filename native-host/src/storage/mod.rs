//! SQLite and filesystem implementations of the storage traits.
//!
//! | trait | type | on disk |
//! |---|---|---|
//! | [`SqlDatabase`](edgemcp::storage::SqlDatabase) | [`SqliteSql`] | a SQLite file (`db.sqlite`) |
//! | [`KvStore`](edgemcp::storage::KvStore) | [`SqliteKv`] | table `_edgemcp_kv` of a SQLite file (`kv.sqlite`) |
//! | [`BlobStore`](edgemcp::storage::BlobStore) | [`FsBlobs`] | a directory (`blobs/`) |
//! | [`BlobStore`](edgemcp::storage::BlobStore) | [`S3Blobs`] | an S3-compatible bucket (S3, R2, GCS) |
//! | [`TaskStore`](edgemcp::storage::TaskStore) | [`SqliteTasks`] | table `_edgemcp_tasks` of a SQLite file (`tasks.sqlite`) |
//!
//! With `EDGEMCP_DATABASE_URL` (or the `PG*` variables) SQL, KV and tasks move to PostgreSQL
//! instead: [`postgres`].
//!
//! [`apply_migrations`] applies the D1 migration files of a folder to the SQL database and
//! records them in `d1_migrations` exactly as `wrangler d1 migrations apply` does, so one
//! `migrations/` folder serves the Worker and the native host.
//!
//! # Layout
//!
//! Keep the key-value store in its own file (`kv.sqlite`), not in the SQL toolkit's
//! database: [`SQLITE_LIST_TABLES`](edgemcp::storage::SQLITE_LIST_TABLES) does not hide
//! `_edgemcp_kv`, so sharing one file would show the KV table to `sql_list_tables` and
//! let SQL queries read it. [`SqliteKv`] works in either file.
//!
//! # Threads
//!
//! SQLite and filesystem calls block, so each runs on tokio's blocking pool
//! (`spawn_blocking`); called outside a tokio runtime, it runs inline instead. A future
//! dropped before its statement finishes (a time limit ran out) interrupts the statement,
//! so a runaway query does not hold the connection.

mod connection;
mod fs;
mod kv;
mod metered;
mod migrate;
pub mod postgres;
mod s3;
mod sql;
mod sqlite_policy;
mod tasks;

pub use fs::FsBlobs;
pub use kv::SqliteKv;
pub use metered::Metered;
pub use migrate::apply_migrations;
pub use s3::{S3Blobs, S3Settings};
pub use sql::SqliteSql;
pub use sqlite_policy::{authorize, StatementPolicy};
pub use tasks::SqliteTasks;

use edgemcp::{Error, Result};
use std::sync::{Mutex, MutexGuard};

/// Runs blocking work on tokio's blocking pool, or inline outside a tokio runtime.
async fn blocking<T, F>(what: &'static str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle.spawn_blocking(work).await.map_err(|e| {
            Error::storage(format!(
                "the {what} stopped before finishing its work ({e}); try again"
            ))
            .set_temporary()
        })?,
        Err(_) => work(),
    }
}

/// Locks `mutex`, turning a poisoned lock into a storage error instead of a panic.
fn lock<'m, T>(mutex: &'m Mutex<T>, what: &str) -> Result<MutexGuard<'m, T>> {
    mutex.lock().map_err(|_| {
        Error::storage(format!(
            "the {what} is unusable because a thread panicked while using it; \
             restart the server"
        ))
    })
}

/// The cursor that resumes a listing after `last_key`: the key's bytes in hex.
fn encode_cursor(last_key: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(last_key.len() * 2);
    for byte in last_key.bytes() {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// The key a cursor made by [`encode_cursor`] resumes after, checked against `prefix`.
fn decode_cursor(cursor: &str, prefix: &str) -> Result<String> {
    let hex_value = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let raw = cursor.as_bytes();
    let bytes: Option<Vec<u8>> = if raw.is_empty() || raw.len() % 2 != 0 {
        None
    } else {
        raw.chunks_exact(2)
            .map(|pair| match pair {
                [hi, lo] => Some((hex_value(*hi)? << 4) | hex_value(*lo)?),
                _ => None,
            })
            .collect()
    };
    bytes
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|key| key.starts_with(prefix))
        .ok_or_else(|| {
            Error::invalid_params(
                "the list cursor is malformed or belongs to another prefix; \
                 list again without a cursor to start from the first page",
            )
        })
}

/// A 64-bit FNV-1a hash, fed in pieces.
#[derive(Debug, Clone, Copy)]
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash as 16 hex digits, as the in-memory store makes its etags.
    fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The etag of `body`: its FNV-1a hash in hex.
fn etag(body: &[u8]) -> String {
    let mut hash = Fnv1a::new();
    hash.update(body);
    hash.hex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgemcp::ErrorKind;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        for key in ["logs/2024", "", "ünïcode/ key", "a%b_c"] {
            let cursor = encode_cursor(key);
            assert!(cursor.bytes().all(|b| b.is_ascii_hexdigit()));
            if !key.is_empty() {
                assert_eq!(decode_cursor(&cursor, "").ok().as_deref(), Some(key));
            }
        }
        let cursor = encode_cursor("logs/2024");
        assert_eq!(
            decode_cursor(&cursor, "logs/").ok().as_deref(),
            Some("logs/2024")
        );
        for bad in ["not a cursor!", "abc", "", "zz", "ff"] {
            let err = decode_cursor(bad, "").err();
            assert!(
                err.is_some_and(|e| e.kind() == ErrorKind::InvalidParams
                    && e.message().contains("without a cursor")),
                "{bad:?} must be refused with a hint"
            );
        }
        assert!(
            decode_cursor(&cursor, "other/").is_err(),
            "a cursor from another prefix is refused"
        );
    }

    #[test]
    fn etags_match_the_in_memory_store() {
        assert_eq!(etag(b""), "cbf29ce484222325");
        assert_ne!(etag(b"abc"), etag(b"abd"));
        let mut pieces = Fnv1a::new();
        pieces.update(b"ab");
        pieces.update(b"c");
        assert_eq!(pieces.hex(), etag(b"abc"));
    }
}
