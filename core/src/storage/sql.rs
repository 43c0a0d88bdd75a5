use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::Result;
use serde::{Deserialize, Serialize};

/// A SQL value, as SQLite and D1 type them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SqlValue {
    /// `NULL`.
    Null,
    /// A 64-bit integer.
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes; shown to clients as base64.
    Blob(Vec<u8>),
}

/// The rows a query returned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SqlRows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<SqlValue>>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SqlExecution {
    /// Rows inserted, updated or deleted.
    pub rows_affected: u64,
    /// The rowid of the last insert, if any.
    pub last_insert_id: Option<i64>,
}

/// A table or view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// Its name.
    pub name: String,
    /// `table` or `view`.
    pub kind: String,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// Its name.
    pub name: String,
    /// Its declared type, as written in the schema (may be empty).
    pub declared_type: String,
    /// Whether it accepts `NULL`.
    pub nullable: bool,
    /// Its position in the primary key, from 1, or 0 when not part of it.
    pub primary_key: u32,
    /// Its default, as SQL text, if any.
    pub default: Option<String>,
}

/// What a SQL backend can do.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqlCapability {
    /// Reads run on a connection the engine itself keeps read-only (SQLite
    /// `query_only`), a second line of defence behind the statement guard.
    pub read_only_connection: bool,
    /// Writes are possible at all.
    pub write: bool,
}

/// A SQL database: D1, SQLite, memory.
///
/// Statements reach the database with `?1`-style placeholders and their values apart, so
/// values are bound, never spliced into SQL text.
///
/// # Behavior
/// - `query` runs one read statement and returns its rows in order, at most `max_rows`
///   of them: a backend stops reading there, so a huge result never reaches memory.
/// - `execute` runs one write statement.
/// - `tables` lists user tables and views (not the engine's internal ones), by name.
/// - `columns` of an unknown table is an [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) error.
pub trait SqlDatabase: MaybeSend + MaybeSync {
    /// What this backend can do.
    fn capability(&self) -> SqlCapability;

    /// Runs a read statement.
    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        max_rows: usize,
    ) -> BoxFuture<'a, Result<SqlRows>>;

    /// Runs a write statement.
    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>>;

    /// Lists tables and views.
    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>>;

    /// Describes a table's columns.
    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>>;
}

/// SQLite's (and D1's) statement listing user tables and views, leaving out the
/// engine's own tables (`sqlite_*`, D1's `_cf_*`) and the migrations ledger.
pub const SQLITE_LIST_TABLES: &str = "SELECT name, type FROM sqlite_master \
     WHERE type IN ('table', 'view') \
     AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
     AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' \
     AND name <> 'd1_migrations' \
     ORDER BY name";

/// SQLite's (and D1's) statement describing a table's columns: `name, type, notnull,
/// dflt_value, pk`, one row per column.
///
/// `table` must already be known to exist (from [`SQLITE_LIST_TABLES`]); it is quoted
/// here as an identifier, never spliced as text.
pub fn sqlite_table_info(table: &str) -> String {
    format!("PRAGMA table_info(\"{}\")", table.replace('"', "\"\""))
}
