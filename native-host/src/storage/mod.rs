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

use edgemcp::storage::support::lock;
use edgemcp::{Error, Result};

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
