//! [`PgKv`]: the key-value store as one PostgreSQL table, shared by every instance.

use super::error::pg_error;
use super::pool::Pool;
use crate::storage::kv::{expiry_ms, now_ms, parse_metadata, table_capability};
use edgemcp::runtime::{BoxFuture, Runtime};
use edgemcp::storage::support::{key_after_cursor, key_cursor};
use edgemcp::storage::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
use edgemcp::Result;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The table, in the server's own schema (which the SQL toolkit's queries may not name).
/// Keys compare by bytes (`COLLATE "C"`), so a prefix's keys form one run in the index.
pub(crate) const SCHEMA: &str = "CREATE SCHEMA IF NOT EXISTS edgemcp;
CREATE TABLE IF NOT EXISTS edgemcp.kv (
    key text COLLATE \"C\" PRIMARY KEY,
    value bytea NOT NULL,
    metadata text,
    expires_at_ms bigint
);
CREATE INDEX IF NOT EXISTS kv_by_expiry ON edgemcp.kv (expires_at_ms) WHERE expires_at_ms IS NOT NULL";

/// Every this many writes, one writer removes up to [`SWEEP_ROWS`] expired entries.
const SWEEP_EVERY: u64 = 256;
const SWEEP_ROWS: i64 = 1000;

/// A [`KvStore`] in the table `edgemcp.kv` of a PostgreSQL database.
///
/// Limits follow Workers KV (keys up to 512 bytes, values up to 25 MiB), with times to
/// live from one second. Expiry follows the [`Runtime`]'s clock: an expired entry is
/// never returned, is removed when it is read, and writers sweep the rest now and then.
#[derive(Clone)]
pub struct PgKv {
    pool: Pool,
    runtime: Runtime,
    writes: Arc<AtomicU64>,
}

impl PgKv {
    pub(crate) fn new(pool: Pool, runtime: Runtime) -> Self {
        PgKv {
            pool,
            runtime,
            writes: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl KvStore for PgKv {
    fn capability(&self) -> KvCapability {
        table_capability()
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<KvEntry>>> {
        Box::pin(async move {
            let now = now_ms(&self.runtime);
            let lease = self.pool.get().await?;
            let client = lease.client()?;
            let row = client
                .query_opt(
                    "SELECT value, metadata, expires_at_ms FROM edgemcp.kv WHERE key = $1",
                    &[&key],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            let Some(row) = row else { return Ok(None) };
            let (value, metadata, expires_at_ms): (Vec<u8>, Option<String>, Option<i64>) =
                (try_get(&row, 0)?, try_get(&row, 1)?, try_get(&row, 2)?);
            if expires_at_ms.is_some_and(|at| at <= now) {
                client
                    .execute(
                        "DELETE FROM edgemcp.kv WHERE key = $1 AND expires_at_ms <= $2",
                        &[&key, &now],
                    )
                    .await
                    .map_err(|e| pg_error(&e))?;
                return Ok(None);
            }
            Ok(Some(KvEntry {
                value,
                metadata: parse_metadata(metadata)?,
                expires_at_ms: expires_at_ms.and_then(|at| u64::try_from(at).ok()),
            }))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        options: KvPut,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.capability().check_put(key, value.len(), &options)?;
            let now = now_ms(&self.runtime);
            let expires_at_ms = expiry_ms(now, options.ttl_seconds);
            let metadata = options.metadata.map(|m| m.to_string());
            let lease = self.pool.get().await?;
            let client = lease.client()?;
            client
                .execute(
                    "INSERT INTO edgemcp.kv (key, value, metadata, expires_at_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET \
                     value = excluded.value, metadata = excluded.metadata, \
                     expires_at_ms = excluded.expires_at_ms",
                    &[&key, &value, &metadata, &expires_at_ms],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
                // A failed sweep loses nothing: the next one tries again.
                let _ = client
                    .execute(
                        "DELETE FROM edgemcp.kv WHERE key IN (SELECT key FROM edgemcp.kv \
                         WHERE expires_at_ms <= $1 LIMIT $2)",
                        &[&now, &SWEEP_ROWS],
                    )
                    .await;
            }
            Ok(())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let lease = self.pool.get().await?;
            lease
                .client()?
                .execute("DELETE FROM edgemcp.kv WHERE key = $1", &[&key])
                .await
                .map_err(|e| pg_error(&e))?;
            Ok(())
        })
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
        cursor: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<KvList>> {
        Box::pin(async move {
            let after = cursor.map(|c| key_after_cursor(c, prefix)).transpose()?;
            let limit = limit.max(1);
            let now = now_ms(&self.runtime);
            let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
            let lease = self.pool.get().await?;
            let rows = lease
                .client()?
                .query(
                    "SELECT key, metadata, expires_at_ms FROM edgemcp.kv \
                     WHERE key >= $1 AND starts_with(key, $1) AND ($2::text IS NULL OR key > $2) \
                     AND (expires_at_ms IS NULL OR expires_at_ms > $3) ORDER BY key LIMIT $4",
                    &[&prefix, &after, &now, &fetch],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            let more = rows.len() > limit;
            let mut keys = Vec::with_capacity(rows.len().min(limit));
            for row in rows.iter().take(limit) {
                let expires_at_ms: Option<i64> = try_get(row, 2)?;
                keys.push(KvKey {
                    name: try_get(row, 0)?,
                    metadata: parse_metadata(try_get(row, 1)?)?,
                    expires_at_ms: expires_at_ms.and_then(|at| u64::try_from(at).ok()),
                });
            }
            let cursor = match keys.last() {
                Some(last) if more => Some(key_cursor(&last.name)),
                _ => None,
            };
            Ok(KvList { keys, cursor })
        })
    }
}

fn try_get<'r, T: tokio_postgres::types::FromSql<'r>>(
    row: &'r tokio_postgres::Row,
    index: usize,
) -> Result<T> {
    row.try_get(index).map_err(|e| pg_error(&e))
}
