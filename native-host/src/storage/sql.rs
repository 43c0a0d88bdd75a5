//! [`SqliteSql`]: the SQL toolkit's database on a SQLite file.

use super::connection::{statement_error, Connection};
use super::sqlite_policy::{harden, untrusted_schema, StatementPolicy};
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    sqlite_table_info, ColumnInfo, RowCollector, SqlCapability, SqlDatabase, SqlExecution,
    SqlLimits, SqlRows, SqlValue, TableInfo, SQLITE_LIST_TABLES,
};
use edgemcp::{Error, Result};
use rusqlite::types::{Value, ValueRef};
use std::path::Path;

/// A [`SqlDatabase`] on a SQLite file, with three connections: callers' reads go through
/// one the engine keeps read-only (`PRAGMA query_only`), their writes through a second,
/// and the schema listings the server itself runs through a third.
///
/// The callers' connections are the second line of defence behind the SQL toolkit's
/// statement guard: SQLite's authorizer holds them to the same policy (allowlisted
/// functions, no engine tables, no pragmas or schema changes, reads only on the read
/// connection), values are capped at the result budget, and no connection may `ATTACH`
/// another file. [`authorize`](super::authorize) holds the rules.
///
/// ```no_run
/// use edgemcp_native::storage::SqliteSql;
///
/// let db = SqliteSql::open(std::path::Path::new("data/db.sqlite"), 4 << 20)?;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Clone)]
pub struct SqliteSql {
    read: Connection,
    write: Connection,
    schema: Connection,
}

impl SqliteSql {
    /// Opens (creating if needed) the database file at `path`, where no statement of a
    /// caller may build a value (a string, a blob, a row) larger than `max_value_bytes`:
    /// the SQL toolkit's result budget (`EDGEMCP_SQL_MAX_RESULT_BYTES`).
    ///
    /// # Errors
    /// When the file cannot be opened or is not a SQLite database.
    pub fn open(path: &Path, max_value_bytes: usize) -> Result<Self> {
        const WHAT: &str = "SQL database";
        let connection = |query_only: bool, policy: Option<StatementPolicy>| {
            let conn = Connection::open(path, WHAT, query_only)?;
            conn.run_now(|conn| {
                match policy {
                    Some(policy) => harden(conn, policy, max_value_bytes),
                    None => untrusted_schema(conn),
                }
                .map_err(|e| {
                    edgemcp::Error::config(format!(
                        "Cannot secure the {WHAT} at {}: {e}; is it a SQLite database?",
                        path.display()
                    ))
                })
            })?;
            Ok::<_, edgemcp::Error>(conn)
        };
        Ok(SqliteSql {
            write: connection(false, Some(StatementPolicy::Write))?,
            read: connection(true, Some(StatementPolicy::Read))?,
            schema: connection(true, None)?,
        })
    }
}

impl SqlDatabase for SqliteSql {
    fn capability(&self) -> SqlCapability {
        let mut cap = SqlCapability::default();
        cap.read_only_connection = true;
        cap.write = true;
        cap
    }

    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        let sql = sql.to_owned();
        let params = bind(params);
        Box::pin(
            self.read
                .run(move |conn| read_rows(conn, &sql, params, limits)),
        )
    }

    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>> {
        let sql = sql.to_owned();
        let params = bind(params);
        Box::pin(self.write.run(move |conn| {
            let mut stmt = conn.prepare(&sql).map_err(statement_error)?;
            // Stepped to the end rather than `execute`d, so `INSERT … RETURNING` works too.
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params))
                .map_err(statement_error)?;
            while rows.next().map_err(statement_error)?.is_some() {}
            drop(rows);
            drop(stmt);
            let rows_affected = conn.changes();
            let last_insert_id = Some(conn.last_insert_rowid()).filter(|id| *id != 0);
            Ok(SqlExecution {
                rows_affected,
                last_insert_id: last_insert_id.filter(|_| rows_affected > 0),
            })
        }))
    }

    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>> {
        Box::pin(self.schema.run(list_tables))
    }

    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        let table = table.to_owned();
        Box::pin(self.schema.run(move |conn| {
            if !list_tables(conn)?.iter().any(|t| t.name == table) {
                return Err(Error::not_found(format!(
                    "no table or view is named `{table}`; sql_list_tables shows the names"
                )));
            }
            let info = read_rows(
                conn,
                &sqlite_table_info(&table),
                Vec::new(),
                SqlLimits::rows(usize::MAX),
            )?;
            info.rows.into_iter().map(column_info).collect()
        }))
    }
}

/// Converts toolkit values to SQLite values, owned so they can cross to the blocking pool.
fn bind(params: &[SqlValue]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::Integer(*i),
            SqlValue::Real(r) => Value::Real(*r),
            SqlValue::Text(t) => Value::Text(t.clone()),
            SqlValue::Blob(b) => Value::Blob(b.clone()),
        })
        .collect()
}

/// Runs `sql` and reads rows while they fit `limits`; the rest are never stepped through.
fn read_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: Vec<Value>,
    limits: SqlLimits,
) -> Result<SqlRows> {
    let mut stmt = conn.prepare(sql).map_err(statement_error)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let width = columns.len();
    let mut page = RowCollector::new(columns, limits);
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(statement_error)?;
    while page.wants_more() {
        let Some(row) = rows.next().map_err(statement_error)? else {
            break;
        };
        let mut values = Vec::with_capacity(width);
        for index in 0..width {
            values.push(sql_value(row.get_ref(index).map_err(statement_error)?));
        }
        page.push(values)?;
    }
    Ok(page.finish())
}

fn sql_value(value: ValueRef<'_>) -> SqlValue {
    match value {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(i) => SqlValue::Integer(i),
        ValueRef::Real(r) => SqlValue::Real(r),
        // SQLite does not check that text is UTF-8; show what it holds rather than fail.
        ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
    }
}

fn list_tables(conn: &mut rusqlite::Connection) -> Result<Vec<TableInfo>> {
    let listed = read_rows(
        conn,
        SQLITE_LIST_TABLES,
        Vec::new(),
        SqlLimits::rows(usize::MAX),
    )?;
    Ok(listed
        .rows
        .into_iter()
        .filter_map(|row| match <[SqlValue; 2]>::try_from(row) {
            Ok([SqlValue::Text(name), SqlValue::Text(kind)]) => Some(TableInfo { name, kind }),
            _ => None,
        })
        .collect())
}

/// One row of `PRAGMA table_info`: `cid, name, type, notnull, dflt_value, pk`.
fn column_info(row: Vec<SqlValue>) -> Result<ColumnInfo> {
    match <[SqlValue; 6]>::try_from(row) {
        Ok(
            [_, SqlValue::Text(name), SqlValue::Text(declared_type), SqlValue::Integer(notnull), default, SqlValue::Integer(pk)],
        ) => Ok(ColumnInfo {
            name,
            declared_type,
            nullable: notnull == 0,
            primary_key: u32::try_from(pk).unwrap_or(0),
            default: match default {
                SqlValue::Text(text) => Some(text),
                _ => None,
            },
        }),
        _ => Err(Error::storage(
            "SQLite described a column in an unexpected shape; check the SQLite version",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgemcp::ErrorKind;

    async fn sample(dir: &tempfile::TempDir) -> SqliteSql {
        let path = dir.path().join("db.sqlite");
        // The schema comes from migrations, never from a caller: `execute` may not change it.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
            )
            .unwrap();
        let db = SqliteSql::open(&path, 1 << 20).unwrap();
        let ddl = db.execute("CREATE TABLE other (a)", &[]).await.unwrap_err();
        assert!(ddl.message().contains("not authorized"), "{ddl}");
        db
    }

    #[tokio::test]
    async fn keeps_the_sql_database_promises() {
        let dir = tempfile::tempdir().unwrap();
        let db = sample(&dir).await;
        for (name, email) in [
            ("Ada", "ada@example.com"),
            ("Lin", "lin@example.com"),
            ("Bo", "bo@example.com"),
        ] {
            let done = db
                .execute(
                    "INSERT INTO customers (name, email) VALUES (?1, ?2)",
                    &[SqlValue::Text(name.into()), SqlValue::Text(email.into())],
                )
                .await
                .unwrap();
            assert_eq!(done.rows_affected, 1);
            assert!(done.last_insert_id.is_some());
        }
        edgemcp::storage::testing::sql_behavior(&db).await;
    }

    #[tokio::test]
    async fn the_read_connection_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let db = sample(&dir).await;
        let err = db
            .query(
                "INSERT INTO customers (name) VALUES ('x')",
                &[],
                SqlLimits::rows(10),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(err.message().contains("not authorized"), "{err}");
        let attach = db
            .query(
                "ATTACH DATABASE ':memory:' AS other",
                &[],
                SqlLimits::rows(10),
            )
            .await
            .unwrap_err();
        assert!(attach.message().contains("refused"), "{attach}");
    }

    #[tokio::test]
    async fn bad_statements_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let db = sample(&dir).await;
        let cases = [
            ("SELEC 1", "syntax error"),
            ("SELECT * FROM nowhere", "no such table"),
            ("SELECT 1; SELECT 2", "more than one statement"),
            ("SELECT ?1, ?2", "placeholder"),
            ("   -- nothing", "no statement"),
        ];
        for (sql, expected) in cases {
            let err = db
                .query(sql, &[SqlValue::Integer(1)], SqlLimits::rows(10))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidParams, "{sql}: {err}");
            assert!(err.message().contains(expected), "{sql}: {err}");
        }
    }

    #[tokio::test]
    async fn a_dropped_query_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let db = sample(&dir).await;
        // An endless recursive query: only an interrupt stops it.
        let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
                       SELECT count(*) FROM n";
        let timed_out = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            db.query(endless, &[], SqlLimits::rows(10)),
        )
        .await;
        assert!(
            timed_out.is_err(),
            "the endless query must still be running"
        );
        // The connection is free again: the next read completes.
        let rows = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            db.query("SELECT 1", &[], SqlLimits::rows(10)),
        )
        .await
        .expect("the interrupted statement must release the connection")
        .unwrap();
        assert_eq!(rows.rows, vec![vec![SqlValue::Integer(1)]]);
    }
}
