use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{Error, Result};
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

impl SqlValue {
    /// About how many bytes the value takes in a JSON result: text and quotes, base64 for
    /// bytes, digits for numbers. What [`SqlLimits::max_bytes`] counts.
    pub fn result_len(&self) -> usize {
        match self {
            SqlValue::Null => 4,
            SqlValue::Integer(n) => n.checked_ilog10().map_or(1, |digits| digits as usize + 1) + 1,
            SqlValue::Real(_) => 24,
            SqlValue::Text(text) => text.len() + 2,
            SqlValue::Blob(bytes) => bytes.len().div_ceil(3) * 4 + 2,
        }
    }
}

/// The rows a query returned.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SqlRows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<SqlValue>>,
    /// Whether a further row was read and left out because it did not fit
    /// [`SqlLimits::max_bytes`]: the result goes on after the last row here.
    pub over_budget: bool,
}

/// How much one query may return: rows and bytes, whichever runs out first.
///
/// ```
/// use edgemcp::storage::SqlLimits;
///
/// let limits = SqlLimits::rows(100).with_max_bytes(4 << 20);
/// assert_eq!((limits.max_rows, limits.max_bytes), (100, 4 << 20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqlLimits {
    /// The most rows a backend reads.
    pub max_rows: usize,
    /// The most bytes the values of those rows may take, as [`SqlValue::result_len`]
    /// counts them.
    pub max_bytes: usize,
}

impl SqlLimits {
    /// At most `max_rows` rows, of any size.
    pub fn rows(max_rows: usize) -> Self {
        SqlLimits {
            max_rows,
            max_bytes: usize::MAX,
        }
    }

    /// The same, with a byte budget.
    #[must_use]
    pub fn with_max_bytes(self, max_bytes: usize) -> Self {
        SqlLimits { max_bytes, ..self }
    }
}

/// Collects a query's rows within [`SqlLimits`] while a backend reads them, so every
/// backend stops at the same place and says the same thing about a value that can never
/// fit.
///
/// ```
/// use edgemcp::storage::{RowCollector, SqlLimits, SqlValue};
///
/// let mut page = RowCollector::new(vec!["name".into()], SqlLimits::rows(10).with_max_bytes(12));
/// while page.wants_more() {
///     page.push(vec![SqlValue::Text("Ada".into())])?; // 5 bytes each
/// }
/// let rows = page.finish();
/// assert_eq!(rows.rows.len(), 2);
/// assert!(rows.over_budget);
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Debug)]
pub struct RowCollector {
    limits: SqlLimits,
    rows: SqlRows,
    bytes: usize,
}

impl RowCollector {
    /// An empty page of a result with these columns.
    pub fn new(columns: Vec<String>, limits: SqlLimits) -> Self {
        RowCollector {
            limits,
            rows: SqlRows {
                columns,
                ..SqlRows::default()
            },
            bytes: 0,
        }
    }

    /// Whether the backend should read another row: false once the page holds
    /// `max_rows` rows or a row did not fit the budget.
    pub fn wants_more(&self) -> bool {
        !self.rows.over_budget && self.rows.rows.len() < self.limits.max_rows
    }

    /// Adds the next row, or ends the page when it does not fit what is left of the
    /// budget.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidParams`](crate::ErrorKind::InvalidParams) when one value is
    /// larger than the whole budget, naming its column, or when the page's first row alone
    /// is: no page could ever hold it.
    pub fn push(&mut self, row: Vec<SqlValue>) -> Result<()> {
        let max = self.limits.max_bytes;
        let mut size = 0usize;
        for (index, value) in row.iter().enumerate() {
            let len = value.result_len();
            if len > max {
                let column = self.rows.columns.get(index).map_or("?", String::as_str);
                return Err(value_too_large(column, len, max));
            }
            size = size.saturating_add(len + 1);
        }
        if self.bytes.saturating_add(size) > max {
            if self.rows.rows.is_empty() {
                return Err(Error::invalid_params(format!(
                    "One row of the result takes about {size} bytes, more than the \
                     {max}-byte result budget (EDGEMCP_SQL_MAX_RESULT_BYTES); select fewer \
                     or shorter columns, e.g. substr(column, 1, 1000)."
                )));
            }
            self.rows.over_budget = true;
            return Ok(());
        }
        self.bytes += size;
        self.rows.rows.push(row);
        Ok(())
    }

    /// The rows collected.
    pub fn finish(self) -> SqlRows {
        self.rows
    }

    /// Collects the page of `rows` that fits `limits`, for backends that receive a whole
    /// result at once.
    ///
    /// # Errors
    /// As [`push`](Self::push).
    pub fn collect(
        columns: Vec<String>,
        rows: impl IntoIterator<Item = Vec<SqlValue>>,
        limits: SqlLimits,
    ) -> Result<SqlRows> {
        let mut page = RowCollector::new(columns, limits);
        for row in rows {
            if !page.wants_more() {
                break;
            }
            page.push(row)?;
        }
        Ok(page.finish())
    }
}

/// The error for a value in `column` that cannot fit a `max`-byte budget.
pub fn value_too_large(column: &str, len: usize, max: usize) -> Error {
    Error::invalid_params(format!(
        "The value in column `{column}` takes about {len} bytes, more than the {max}-byte \
         result budget (EDGEMCP_SQL_MAX_RESULT_BYTES); select part of it, e.g. \
         substr({column}, 1, 1000) or length({column})."
    ))
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

/// The SQL a database speaks, which decides how the SQL toolkit checks, pages and binds
/// statements.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqlDialect {
    /// SQLite's, as D1 and the native SQLite store speak it.
    #[default]
    Sqlite,
    /// PostgreSQL's. The toolkit checks statements with its PostgreSQL guard, which is
    /// built with the core's `postgres` feature; without it, every statement is refused.
    Postgres,
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
    /// The SQL it speaks.
    pub dialect: SqlDialect,
}

/// A SQL database: D1, SQLite, memory.
///
/// Statements reach the database with `?1`-style placeholders and their values apart, so
/// values are bound, never spliced into SQL text.
///
/// # Behavior
/// - `query` runs one read statement and returns its rows in order within its
///   [`SqlLimits`]: a backend reads through a [`RowCollector`] and stops where it says, so
///   a huge result never reaches memory.
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
        limits: SqlLimits,
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
