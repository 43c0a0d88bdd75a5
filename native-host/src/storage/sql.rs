//! [`SqliteSql`]: the SQL toolkit's database on a SQLite file.

use super::connection::{statement_error, Connection};
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    sqlite_table_info, ColumnInfo, SqlCapability, SqlDatabase, SqlExecution, SqlRows, SqlValue,
    TableInfo, SQLITE_LIST_TABLES,
};
use edgemcp::{Error, Result};
use rusqlite::types::{Value, ValueRef};
use std::path::Path;

/// A [`SqlDatabase`] on a SQLite file, with two connections: reads go through one the
/// engine keeps read-only (`PRAGMA query_only`), writes through the other.
///
/// The read-only connection is a second line of defence behind the SQL toolkit's
/// statement guard: a statement the guard wrongly let through still cannot write.
/// Neither connection may `ATTACH` another file.
///
/// ```no_run
/// use edgemcp_native::storage::SqliteSql;
///
/// let db = SqliteSql::open(std::path::Path::new("data/db.sqlite"))?;
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Clone)]
pub struct SqliteSql {
    read: Connection,
    write: Connection,
}

impl SqliteSql {
    /// Opens (creating if needed) the database file at `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or is not a SQLite database.
    pub fn open(path: &Path) -> Result<Self> {
        let write = Connection::open(path, "SQL database", false)?;
        let read = Connection::open(path, "SQL database", true)?;
        Ok(SqliteSql { read, write })
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
        max_rows: usize,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        let sql = sql.to_owned();
        let params = bind(params);
        Box::pin(
            self.read
                .run(move |conn| read_rows(conn, &sql, params, max_rows)),
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
        Box::pin(self.read.run(list_tables))
    }

    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        let table = table.to_owned();
        Box::pin(self.read.run(move |conn| {
            if !list_tables(conn)?.iter().any(|t| t.name == table) {
                return Err(Error::not_found(format!(
                    "no table or view is named `{table}`; sql_list_tables shows the names"
                )));
            }
            let info = read_rows(conn, &sqlite_table_info(&table), Vec::new(), usize::MAX)?;
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

/// Runs `sql` and reads at most `max_rows` rows; the rest are never stepped through.
fn read_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: Vec<Value>,
    max_rows: usize,
) -> Result<SqlRows> {
    let mut stmt = conn.prepare(sql).map_err(statement_error)?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(statement_error)?;
    let mut out = Vec::new();
    while out.len() < max_rows {
        let Some(row) = rows.next().map_err(statement_error)? else {
            break;
        };
        let mut values = Vec::with_capacity(columns.len());
        for index in 0..columns.len() {
            values.push(sql_value(row.get_ref(index).map_err(statement_error)?));
        }
        out.push(values);
    }
    Ok(SqlRows { columns, rows: out })
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
    let listed = read_rows(conn, SQLITE_LIST_TABLES, Vec::new(), usize::MAX)?;
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
        let db = SqliteSql::open(&dir.path().join("db.sqlite")).unwrap();
        db.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
            &[],
        )
        .await
        .unwrap();
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
            .query("INSERT INTO customers (name) VALUES ('x')", &[], 10)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidParams);
        assert!(err.message().contains("readonly"), "{err}");
        let attach = db
            .query("ATTACH DATABASE ':memory:' AS other", &[], 10)
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
                .query(sql, &[SqlValue::Integer(1)], 10)
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
            db.query(endless, &[], 10),
        )
        .await;
        assert!(
            timed_out.is_err(),
            "the endless query must still be running"
        );
        // The connection is free again: the next read completes.
        let rows = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            db.query("SELECT 1", &[], 10),
        )
        .await
        .expect("the interrupted statement must release the connection")
        .unwrap();
        assert_eq!(rows.rows, vec![vec![SqlValue::Integer(1)]]);
    }
}
