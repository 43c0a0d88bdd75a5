//! [`SqliteTasks`]: task records as rows of a SQLite file.

use super::connection::{store_error, Connection};
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{TaskCursor, TaskRecord, TaskStore};
use edgemcp::Result;
use rusqlite::OptionalExtension;
use std::path::Path;

const WHAT: &str = "task store";

/// One row per task: the indexed fields beside the record as JSON.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS _edgemcp_tasks (
    id TEXT PRIMARY KEY NOT NULL,
    owner TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    version INTEGER NOT NULL,
    record TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS _edgemcp_tasks_by_owner ON _edgemcp_tasks (owner, created_ms DESC, id DESC);
CREATE INDEX IF NOT EXISTS _edgemcp_tasks_by_expiry ON _edgemcp_tasks (expires_ms);";

/// A [`TaskStore`] in the table `_edgemcp_tasks` of a SQLite file.
///
/// Every process that opens the same file shares the tasks (SQLite's locking keeps the
/// compare-and-set of [`TaskStore::replace`] atomic across them), so a task started by one
/// `edgemcp serve` is read and cancelled through another on the same machine.
///
/// ```no_run
/// use edgemcp_native::storage::SqliteTasks;
///
/// # fn demo() -> edgemcp::Result<()> {
/// let tasks = SqliteTasks::open(std::path::Path::new("data/kv.sqlite"))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SqliteTasks {
    conn: Connection,
}

impl SqliteTasks {
    /// Opens (creating if needed) the store in the SQLite file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or the table cannot be created.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path, WHAT, false)?;
        conn.run_now(|conn| conn.execute_batch(SCHEMA).map_err(store_error(WHAT)))?;
        Ok(SqliteTasks { conn })
    }
}

/// SQLite integers are signed; times and versions beyond `i64::MAX` are kept at it.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl TaskStore for SqliteTasks {
    fn create<'a>(&'a self, task: &'a TaskRecord) -> BoxFuture<'a, Result<()>> {
        let (id, owner, record) = (task.id.clone(), task.owner.clone(), task.to_json_text());
        let (created, expires, version) = (
            int(task.created_ms),
            int(task.expires_ms),
            int(task.version),
        );
        Box::pin(async move {
            self.conn
                .run(move |conn| {
                    conn.execute(
                        "INSERT INTO _edgemcp_tasks (id, owner, created_ms, expires_ms, version, record) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        rusqlite::params![id, owner, created, expires, version, record],
                    )
                    .map_err(store_error(WHAT))?;
                    Ok(())
                })
                .await
        })
    }

    fn get<'a>(&'a self, owner: &'a str, id: &'a str) -> BoxFuture<'a, Result<Option<TaskRecord>>> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        Box::pin(self.conn.run(move |conn| {
            let record = conn
                .query_row(
                    "SELECT record FROM _edgemcp_tasks WHERE id = ?1 AND owner = ?2",
                    [&id, &owner],
                    |row| row.get::<_, String>(0),
                )
                .optional()
                .map_err(store_error(WHAT))?;
            record
                .as_deref()
                .map(TaskRecord::from_json_text)
                .transpose()
        }))
    }

    fn replace<'a>(
        &'a self,
        task: &'a TaskRecord,
        expected_version: u64,
    ) -> BoxFuture<'a, Result<bool>> {
        let (id, version, record) = (task.id.clone(), int(task.version), task.to_json_text());
        Box::pin(async move {
            self.conn
                .run(move |conn| {
                    let changed = conn
                        .execute(
                            "UPDATE _edgemcp_tasks SET version = ?2, record = ?3 \
                             WHERE id = ?1 AND version = ?4",
                            rusqlite::params![id, version, record, int(expected_version)],
                        )
                        .map_err(store_error(WHAT))?;
                    Ok(changed == 1)
                })
                .await
        })
    }

    fn list<'a>(
        &'a self,
        owner: &'a str,
        after: Option<&'a TaskCursor>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<TaskRecord>>> {
        let owner = owner.to_owned();
        // Without a cursor, start after the newest possible task.
        let (created, id) = after.map_or((i64::MAX, String::from("\u{10FFFF}")), |c| {
            (int(c.created_ms), c.id.clone())
        });
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        Box::pin(self.conn.run(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT record FROM _edgemcp_tasks WHERE owner = ?1 \
                     AND (created_ms < ?2 OR (created_ms = ?2 AND id < ?3)) \
                     ORDER BY created_ms DESC, id DESC LIMIT ?4",
                )
                .map_err(store_error(WHAT))?;
            let rows = statement
                .query_map(rusqlite::params![owner, created, id, limit], |row| {
                    row.get::<_, String>(0)
                })
                .map_err(store_error(WHAT))?;
            let mut tasks = Vec::new();
            for row in rows {
                tasks.push(TaskRecord::from_json_text(
                    &row.map_err(store_error(WHAT))?,
                )?);
            }
            Ok(tasks)
        }))
    }

    fn purge_expired(&self, now_ms: u64) -> BoxFuture<'_, Result<u64>> {
        Box::pin(self.conn.run(move |conn| {
            let deleted = conn
                .execute(
                    "DELETE FROM _edgemcp_tasks WHERE expires_ms <= ?1",
                    [int(now_ms)],
                )
                .map_err(store_error(WHAT))?;
            Ok(deleted as u64)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::SqliteTasks;

    #[tokio::test]
    async fn keeps_the_task_store_promises() {
        let dir = tempfile::tempdir().unwrap();
        let tasks = SqliteTasks::open(&dir.path().join("tasks.sqlite")).unwrap();
        edgemcp::storage::testing::task_behavior(&tasks).await;
    }
}
