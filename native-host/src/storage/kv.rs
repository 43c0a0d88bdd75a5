//! [`SqliteKv`]: the key-value store as a table of a SQLite file.

use super::connection::{store_error, Connection};
use edgemcp::runtime::{BoxFuture, Runtime};
use edgemcp::storage::support::{key_after_cursor, key_cursor};
use edgemcp::storage::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
use edgemcp::{Error, Result};
use rusqlite::OptionalExtension;
use serde_json::Value;
use std::path::Path;

const WHAT: &str = "key-value store";
const MAX_KEY_BYTES: usize = 512;
const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;

/// The table, keyed by the key's bytes so listing order is byte order.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS _edgemcp_kv (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    metadata TEXT,
    expires_at_ms INTEGER
) WITHOUT ROWID";

/// A [`KvStore`] in the table `_edgemcp_kv` of a SQLite file.
///
/// Limits follow Workers KV (keys up to 512 bytes, values up to 25 MiB) so a tool behaves
/// the same on both hosts, except that a time to live may be as short as one second.
/// Expiry follows the [`Runtime`]'s clock: an expired entry is invisible at once and
/// removed the next time it is read.
///
/// ```no_run
/// use edgemcp_native::storage::SqliteKv;
///
/// # fn demo(runtime: edgemcp::runtime::Runtime) -> edgemcp::Result<()> {
/// let kv = SqliteKv::open(std::path::Path::new("data/kv.sqlite"), runtime)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteKv {
    conn: Connection,
    runtime: Runtime,
}

impl SqliteKv {
    /// Opens (creating if needed) the store in the SQLite file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or the table cannot be created.
    pub fn open(path: &Path, runtime: Runtime) -> Result<Self> {
        let conn = Connection::open(path, WHAT, false)?;
        conn.run_now(|conn| conn.execute_batch(SCHEMA).map_err(store_error(WHAT)))?;
        Ok(SqliteKv { conn, runtime })
    }
}

impl KvStore for SqliteKv {
    fn capability(&self) -> KvCapability {
        table_capability()
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
        let key = key.to_owned();
        let now = now_ms(&self.runtime);
        Box::pin(self.conn.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT value, metadata, expires_at_ms FROM _edgemcp_kv WHERE key = ?1",
                    [&key],
                    |row| {
                        Ok((
                            row.get::<_, Vec<u8>>(0)?,
                            row.get::<_, Option<String>>(1)?,
                            row.get::<_, Option<i64>>(2)?,
                        ))
                    },
                )
                .optional()
                .map_err(store_error(WHAT))?;
            let Some((value, metadata, expires_at_ms)) = row else {
                return Ok(None);
            };
            if expires_at_ms.is_some_and(|at| at <= now) {
                conn.execute(
                    "DELETE FROM _edgemcp_kv WHERE key = ?1 AND expires_at_ms <= ?2",
                    rusqlite::params![key, now],
                )
                .map_err(store_error(WHAT))?;
                return Ok(None);
            }
            Ok(Some(KvEntry {
                value,
                metadata: parse_metadata(metadata)?,
                expires_at_ms: expires_at_ms.and_then(|at| u64::try_from(at).ok()),
            }))
        }))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, Result<()>> {
        let checked = self.capability().check_put(key, value.len(), &options);
        let key = key.to_owned();
        let expires_at_ms = expiry_ms(now_ms(&self.runtime), options.ttl_seconds);
        let metadata = options.metadata.map(|m| m.to_string());
        Box::pin(async move {
            checked?;
            self.conn
                .run(move |conn| {
                    conn.execute(
                        "INSERT INTO _edgemcp_kv (key, value, metadata, expires_at_ms) \
                         VALUES (?1, ?2, ?3, ?4) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                         metadata = excluded.metadata, expires_at_ms = excluded.expires_at_ms",
                        rusqlite::params![key, value, metadata, expires_at_ms],
                    )
                    .map_err(store_error(WHAT))?;
                    Ok(())
                })
                .await
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        let key = key.to_owned();
        Box::pin(self.conn.run(move |conn| {
            conn.execute("DELETE FROM _edgemcp_kv WHERE key = ?1", [&key])
                .map_err(store_error(WHAT))?;
            Ok(())
        }))
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>> {
        let prefix = prefix.to_owned();
        let after = cursor.map(|c| key_after_cursor(c, &prefix)).transpose();
        let now = now_ms(&self.runtime);
        Box::pin(async move {
            let after = after?;
            let limit = limit.max(1);
            self.conn
                .run(move |conn| list_page(conn, &prefix, after.as_deref(), limit, now))
                .await
        })
    }
}

/// One page of live keys under `prefix`, after `after` when resuming.
fn list_page(
    conn: &mut rusqlite::Connection,
    prefix: &str,
    after: Option<&str>,
    limit: usize,
    now: i64,
) -> Result<KvList> {
    // Keys sort by bytes, so the keys under a prefix form one run starting at the prefix;
    // the scan stops at the first key outside it.
    let mut stmt = conn
        .prepare_cached(
            "SELECT key, metadata, expires_at_ms FROM _edgemcp_kv \
             WHERE key >= ?1 AND (?2 IS NULL OR key > ?2) \
             AND (expires_at_ms IS NULL OR expires_at_ms > ?3) ORDER BY key",
        )
        .map_err(store_error(WHAT))?;
    let mut rows = stmt
        .query(rusqlite::params![prefix, after, now])
        .map_err(store_error(WHAT))?;
    let mut keys = Vec::new();
    let mut more = false;
    while let Some(row) = rows.next().map_err(store_error(WHAT))? {
        let name: String = row.get(0).map_err(store_error(WHAT))?;
        if !name.starts_with(prefix) {
            break;
        }
        if keys.len() == limit {
            more = true;
            break;
        }
        let metadata: Option<String> = row.get(1).map_err(store_error(WHAT))?;
        let expires_at_ms: Option<i64> = row.get(2).map_err(store_error(WHAT))?;
        keys.push(KvKey {
            name,
            metadata: parse_metadata(metadata)?,
            expires_at_ms: expires_at_ms.and_then(|at| u64::try_from(at).ok()),
        });
    }
    let cursor = match keys.last() {
        Some(last) if more => Some(key_cursor(&last.name)),
        _ => None,
    };
    Ok(KvList { keys, cursor })
}

/// An entry's stored metadata, read back as JSON.
pub(super) fn parse_metadata(stored: Option<String>) -> Result<Option<Value>> {
    stored
        .map(|text| {
            serde_json::from_str(&text).map_err(|e| {
                Error::storage(format!(
                    "an entry's stored metadata is not JSON ({e}); put the entry again"
                ))
            })
        })
        .transpose()
}

/// What a KV store kept in a database table (SQLite or PostgreSQL) can do: Workers KV's
/// limits, with times to live from one second.
pub(super) fn table_capability() -> KvCapability {
    let mut cap = KvCapability::default();
    cap.ttl = true;
    cap.metadata = true;
    cap.list = true;
    cap.min_ttl_seconds = 1;
    cap.max_key_bytes = MAX_KEY_BYTES;
    cap.max_value_bytes = MAX_VALUE_BYTES;
    cap
}

/// When an entry put at `now` (ms) with `ttl_seconds` expires, in ms.
pub(super) fn expiry_ms(now: i64, ttl_seconds: Option<u64>) -> Option<i64> {
    ttl_seconds
        .map(|ttl| now.saturating_add(i64::try_from(ttl.saturating_mul(1000)).unwrap_or(i64::MAX)))
}

/// The runtime's clock in ms, as the tables store expiry.
pub(super) fn now_ms(runtime: &Runtime) -> i64 {
    i64::try_from(runtime.now_unix_ms()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};

    fn store(dir: &tempfile::TempDir) -> (SqliteKv, ManualClock) {
        let clock = ManualClock::new(1_700_000_000_000);
        let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
        let kv = SqliteKv::open(&dir.path().join("kv.sqlite"), runtime).unwrap();
        (kv, clock)
    }

    #[tokio::test]
    async fn keeps_the_kv_store_promises() {
        let dir = tempfile::tempdir().unwrap();
        let (kv, clock) = store(&dir);
        edgemcp::storage::testing::kv_behavior(&kv, Some(&clock)).await;
    }

    #[test]
    fn works_outside_a_tokio_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let (kv, clock) = store(&dir);
        futures_executor::block_on(edgemcp::storage::testing::kv_behavior(&kv, Some(&clock)));
    }

    #[tokio::test]
    async fn entries_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let (kv, _) = store(&dir);
        let meta = serde_json::json!({"owner": "ada"});
        kv.put("a", b"1".to_vec(), KvPut::new().metadata(meta.clone()))
            .await
            .unwrap();
        drop(kv);
        let (kv, _) = store(&dir);
        let entry = kv.get("a").await.unwrap().unwrap();
        assert_eq!((entry.value, entry.metadata), (b"1".to_vec(), Some(meta)));
    }

    #[tokio::test]
    async fn refuses_what_it_cannot_hold() {
        let dir = tempfile::tempdir().unwrap();
        let (kv, _) = store(&dir);
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        for (key, options, expected) in [
            ("", KvPut::new(), "empty"),
            (long.as_str(), KvPut::new(), "at most 512"),
            ("t", KvPut::new().ttl_seconds(0), "at least 1 second"),
            (
                "m",
                KvPut::new().metadata(serde_json::json!([1])),
                "JSON object",
            ),
        ] {
            let err = kv.put(key, b"x".to_vec(), options).await.unwrap_err();
            assert!(err.message().contains(expected), "{key:?}: {err}");
        }
        let err = kv.list("a/", Some("zz"), 10).await.unwrap_err();
        assert!(err.message().contains("without a cursor"), "{err}");
    }
}
