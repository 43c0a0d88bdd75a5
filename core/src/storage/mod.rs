//! Storage traits the toolkits are built on, and in-memory implementations for tests.
//!
//! Each trait is shaped to fit both the edge and native backends:
//!
//! | trait | Workers | native | tests |
//! |---|---|---|---|
//! | [`KvStore`] | KV | SQLite table | [`MemoryKv`] |
//! | [`SqlDatabase`] | D1 | SQLite | `testing::MemorySql` (feature `testing`) |
//! | [`BlobStore`] | R2 | directory, S3-compatible | [`MemoryBlobs`] |
//! | [`TaskStore`] | Durable Object | SQLite table, PostgreSQL | [`MemoryTasks`] |
//!
//! Methods return boxed futures so stores can be chosen at run time and shared as
//! `Arc<dyn KvStore>`; the futures are `Send` on native targets only (see
//! [`MaybeSend`](crate::runtime::MaybeSend)), so platform futures pass through unchanged.
//! Each trait reports a capability struct so toolkits offer only what a backend can do.
//!
//! Failures use [`ErrorKind::Storage`](crate::ErrorKind::Storage) (marked temporary when a
//! retry may help), [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) and
//! [`ErrorKind::InvalidParams`](crate::ErrorKind::InvalidParams) for input the backend refuses.

mod blob;
mod breaker;
mod kv;
mod memory;
mod sql;
pub mod support;
mod task;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use blob::{BlobCapability, BlobList, BlobMeta, BlobObject, BlobPut, BlobStore};
pub use breaker::{BreakerSettings, BreakerState, CircuitBreaker, Guarded};
pub use kv::{KvCapability, KvEntry, KvKey, KvList, KvPut, KvStore};
pub use memory::{MemoryBlobs, MemoryKv, MemoryTasks};
pub use sql::{
    sqlite_table_info, value_too_large, ColumnInfo, RowCollector, SqlCapability, SqlDatabase,
    SqlDialect, SqlExecution, SqlLimits, SqlRows, SqlValue, TableInfo, SQLITE_LIST_TABLES,
};
pub use task::{TaskCursor, TaskInput, TaskRecord, TaskStatus, TaskStore};

/// A byte count for messages: `26214400 bytes (25 MiB)`, or `12 bytes`.
fn byte_limit(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{bytes} bytes ({} MiB)", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}
