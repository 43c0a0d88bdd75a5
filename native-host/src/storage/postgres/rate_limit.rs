//! [`PgRateLimiter`]: the rate-limit buckets in one PostgreSQL table, so a limit holds
//! across every instance on the database instead of per process.
//!
//! Each bucket is one row holding its *theoretical arrival time* (the generic cell rate
//! algorithm): a request is admitted when, after adding one emission interval
//! (`60 s / per_minute`), the arrival time is at most `burst` intervals ahead of now.
//! That is the token bucket of [`MemoryRateLimiter`](edgemcp::middleware::MemoryRateLimiter)
//! in one number, so one `INSERT … ON CONFLICT DO UPDATE … WHERE` decides and records a
//! request atomically, whatever other instances do at the same moment. Time is the
//! database's clock, the only one every instance shares.

use super::error::pg_error;
use super::pool::Pool;
use crate::log;
use edgemcp::middleware::{Decision, Limit, RateLimiter};
use edgemcp::runtime::BoxFuture;
use edgemcp::Result;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The table, in the server's own schema. A row whose arrival time has passed is a full
/// bucket and may be deleted at any time. Keys are bytes: the core's bucket keys separate
/// their parts with NUL, which `text` cannot hold.
pub(crate) const TABLE: &str = "CREATE TABLE IF NOT EXISTS edgemcp.rate_limits (
    key bytea PRIMARY KEY,
    arrival_us bigint NOT NULL
)";

/// The database's clock in microseconds since the epoch.
const NOW_US: &str = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";

/// Takes a request from bucket `$1`: `$2` is the emission interval and `$3` how far
/// ahead of now (`(burst - 1)` intervals) the new arrival time may be. A new row is
/// always admitted; an existing one is updated only when admitted, so no row comes back
/// when the bucket is empty.
fn take_statement() -> String {
    format!(
        "INSERT INTO edgemcp.rate_limits AS bucket (key, arrival_us) VALUES ($1, {NOW_US} + $2)
         ON CONFLICT (key) DO UPDATE
         SET arrival_us = GREATEST(bucket.arrival_us + $2, excluded.arrival_us)
         WHERE GREATEST(bucket.arrival_us + $2, excluded.arrival_us) - excluded.arrival_us <= $3
         RETURNING arrival_us"
    )
}

/// How long until the empty bucket `$1` admits a request again, `$2` being its slack.
fn wait_statement() -> String {
    format!("SELECT arrival_us - {NOW_US} - $2 FROM edgemcp.rate_limits WHERE key = $1")
}

/// Removes up to [`SWEEP_ROWS`] full buckets.
fn sweep_statement() -> String {
    format!(
        "DELETE FROM edgemcp.rate_limits WHERE key IN (SELECT key FROM \
         edgemcp.rate_limits WHERE arrival_us < {NOW_US} LIMIT {SWEEP_ROWS})"
    )
}

/// Every this many requests, one removes up to [`SWEEP_ROWS`] full buckets.
const SWEEP_EVERY: u64 = 512;
const SWEEP_ROWS: i64 = 1000;

/// A [`RateLimiter`] in the table `edgemcp.rate_limits` of a PostgreSQL database.
///
/// A limiter that cannot reach the database lets the request through (and logs why):
/// a failing limiter must not take the server down with it.
#[derive(Clone)]
pub struct PgRateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    take: String,
    wait: String,
    sweep: String,
    requests: AtomicU64,
}

impl PgRateLimiter {
    pub(crate) fn new(pool: Pool) -> Self {
        PgRateLimiter {
            inner: Arc::new(Inner {
                pool,
                take: take_statement(),
                wait: wait_statement(),
                sweep: sweep_statement(),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// The decision for `key` under `limit`, or the database's error.
    ///
    /// # Errors
    /// When the database cannot be reached or refuses the statement.
    pub async fn try_acquire(&self, key: &str, limit: Limit) -> Result<Decision> {
        let inner = &self.inner;
        let interval = i64::try_from(60_000_000 / u64::from(limit.per_minute.max(1)))
            .unwrap_or(i64::MAX)
            .max(1);
        let slack = interval.saturating_mul(i64::from(limit.burst.max(1)) - 1);
        let lease = inner.pool.get().await?;
        let client = lease.client()?;
        let admitted = client
            .query_opt(&inner.take, &[&key.as_bytes(), &interval, &slack])
            .await
            .map_err(|e| pg_error(&e))?
            .is_some();
        if inner.requests.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            client
                .execute(&inner.sweep, &[])
                .await
                .map_err(|e| pg_error(&e))?;
        }
        if admitted {
            return Ok(Decision::Allowed);
        }
        let wait_us: Option<i64> = client
            .query_opt(&inner.wait, &[&key.as_bytes(), &slack])
            .await
            .map_err(|e| pg_error(&e))?
            .and_then(|row| row.try_get(0).ok());
        let wait_us = u64::try_from(wait_us.unwrap_or(interval)).unwrap_or(0);
        Ok(Decision::Limited {
            retry_after: Duration::from_micros(wait_us.max(1)),
        })
    }
}

impl RateLimiter for PgRateLimiter {
    fn acquire(&self, key: &str, limit: Limit, _now_micros: u64) -> BoxFuture<'static, Decision> {
        let (limiter, key) = (self.clone(), key.to_owned());
        Box::pin(async move {
            match limiter.try_acquire(&key, limit).await {
                Ok(decision) => decision,
                Err(err) => {
                    log::warn(
                        "the shared rate limit could not be checked; the request goes on",
                        &[("error", err.message().to_owned().into())],
                    );
                    Decision::Allowed
                }
            }
        })
    }
}
