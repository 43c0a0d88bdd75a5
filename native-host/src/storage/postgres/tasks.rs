//! [`PgTasks`]: task records in one PostgreSQL table, shared by every instance on the
//! database.

use super::error::pg_error;
use super::pool::Pool;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{TaskCursor, TaskRecord, TaskStore};
use edgemcp::Result;

/// The table, in the server's own schema: the indexed fields beside the record as JSON
/// text (read back whole, never queried inside).
pub(crate) const TABLE: &str = "CREATE TABLE IF NOT EXISTS edgemcp.tasks (
    id text PRIMARY KEY,
    owner text NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL,
    version bigint NOT NULL,
    record text NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_owner ON edgemcp.tasks (owner, created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS tasks_by_expiry ON edgemcp.tasks (expires_ms)";

/// A [`TaskStore`] in the table `edgemcp.tasks` of a PostgreSQL database.
///
/// Every instance on the database sees every task: one started through an instance is
/// read, cancelled and answered through any other. [`TaskStore::replace`] is one
/// conditional `UPDATE`, atomic whatever the other instances do at the same moment.
#[derive(Clone)]
pub struct PgTasks {
    pool: Pool,
}

impl PgTasks {
    pub(crate) fn new(pool: Pool) -> Self {
        PgTasks { pool }
    }
}

/// PostgreSQL integers are signed; times and versions beyond `i64::MAX` are kept at it.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn decode(row: &tokio_postgres::Row) -> Result<TaskRecord> {
    let text: &str = row.try_get(0).map_err(|e| pg_error(&e))?;
    TaskRecord::from_json_text(text)
}

impl TaskStore for PgTasks {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let record = task.to_json_text();
            let lease = self.pool.get().await?;
            lease
                .client()?
                .execute(
                    "INSERT INTO edgemcp.tasks (id, owner, created_ms, expires_ms, version, record) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    &[
                        &task.id,
                        &task.owner,
                        &int(task.created_ms),
                        &int(task.expires_ms),
                        &int(task.version),
                        &record,
                    ],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>>> {
        Box::pin(async move {
            let lease = self.pool.get().await?;
            let row = lease
                .client()?
                .query_opt(
                    "SELECT record FROM edgemcp.tasks WHERE id = $1 AND owner = $2",
                    &[&id, &owner],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            row.as_ref().map(decode).transpose()
        })
    }

    fn replace<'a>(
        &'a self,
        task: &'a TaskRecord,
        expected_version: u64,
    ) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            let record = task.to_json_text();
            let lease = self.pool.get().await?;
            let changed = lease
                .client()?
                .execute(
                    "UPDATE edgemcp.tasks SET version = $2, record = $3 \
                     WHERE id = $1 AND version = $4",
                    &[
                        &task.id,
                        &int(task.version),
                        &record,
                        &int(expected_version),
                    ],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            Ok(changed == 1)
        })
    }

    fn list<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a TaskCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>>> {
        Box::pin(async move {
            let (created, id) =
                after.map_or((i64::MAX, None), |c| (int(c.created_ms), Some(&c.id)));
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let lease = self.pool.get().await?;
            let rows = lease
                .client()?
                .query(
                    "SELECT record FROM edgemcp.tasks WHERE owner = $1 \
                     AND (created_ms < $2 OR (created_ms = $2 AND ($3::text IS NULL OR id < $3))) \
                     ORDER BY created_ms DESC, id DESC LIMIT $4",
                    &[&owner, &created, &id, &limit],
                )
                .await
                .map_err(|e| pg_error(&e))?;
            rows.iter().map(decode).collect()
        })
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            let lease = self.pool.get().await?;
            lease
                .client()?
                .execute(
                    "DELETE FROM edgemcp.tasks WHERE expires_ms <= $1",
                    &[&int(now_ms)],
                )
                .await
                .map_err(|e| pg_error(&e))
        })
    }
}
