//! [`PgSql`]: the SQL toolkit's database on PostgreSQL.

use super::error::pg_error;
use super::pool::{Lease, Pool};
use super::values::{read, with_text_casts, TextParam};
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    ColumnInfo, RowCollector, SqlCapability, SqlDatabase, SqlDialect, SqlExecution, SqlLimits,
    SqlRows, SqlValue, TableInfo,
};
use edgemcp::toolkit::sql_postgres::with_dollar_parameters;
use edgemcp::{Error, Result};
use futures_util::{pin_mut, TryStreamExt};
use std::time::Duration;

/// A [`SqlDatabase`] on PostgreSQL.
///
/// Behind the SQL toolkit's PostgreSQL guard, the engine holds the second line: every
/// read runs in its own `READ ONLY` transaction that is rolled back afterwards, with
/// `statement_timeout` and a `search_path` of the configured schemas; every write runs
/// in its own transaction. Statements reach the server through the extended protocol,
/// which runs one statement per message, with values bound in text form. `?N`
/// placeholders are rewritten to PostgreSQL's `$N`.
///
/// For a third line, connect as a role that may only read (see the README).
#[derive(Clone)]
pub struct PgSql {
    pool: Pool,
    schemas: Vec<String>,
    timeout: Duration,
}

impl PgSql {
    pub(crate) fn new(pool: Pool, schemas: Vec<String>, timeout: Duration) -> Self {
        PgSql {
            pool,
            schemas,
            timeout,
        }
    }

    /// `SET LOCAL` statements that start each transaction.
    fn session(&self) -> String {
        let schemas: Vec<String> = self.schemas.iter().map(|s| quote_identifier(s)).collect();
        format!(
            "SET LOCAL statement_timeout = {}; SET LOCAL search_path TO {}",
            self.timeout.as_millis().max(1),
            schemas.join(", ")
        )
    }

    /// A connection inside a transaction opened by `begin`, with the session settings.
    async fn begin(&self, begin: &str) -> Result<Lease> {
        let mut lease = self.pool.get().await?;
        lease.begin();
        lease
            .client()?
            .batch_execute(&format!("{begin}; {}", self.session()))
            .await
            .map_err(|e| pg_error(&e))?;
        Ok(lease)
    }

    /// Ends the transaction with `end` after `outcome` succeeded, or rolls it back; the
    /// lease returns its connection to the pool only when that worked.
    async fn end<T>(&self, mut lease: Lease, end: &str, outcome: Result<T>) -> Result<T> {
        let closing = if outcome.is_ok() { end } else { "ROLLBACK" };
        match lease.client()?.batch_execute(closing).await {
            Ok(()) => lease.settled(),
            Err(err) if outcome.is_ok() => return Err(pg_error(&err)),
            Err(_) => {}
        }
        outcome
    }
}

/// `name` as a quoted identifier.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl SqlDatabase for PgSql {
    fn capability(&self) -> SqlCapability {
        let mut cap = SqlCapability::default();
        cap.read_only_connection = true;
        cap.write = true;
        cap.dialect = SqlDialect::Postgres;
        cap
    }

    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        Box::pin(async move {
            refuse_nul(sql, params)?;
            let sql = with_dollar_parameters(sql);
            let lease = self.begin("BEGIN READ ONLY").await?;
            let outcome = read_rows(lease.client()?, &sql, params, limits).await;
            self.end(lease, "ROLLBACK", outcome).await
        })
    }

    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>> {
        Box::pin(async move {
            refuse_nul(sql, params)?;
            let sql = with_dollar_parameters(sql);
            let lease = self.begin("BEGIN").await?;
            let outcome = write(lease.client()?, &sql, params).await;
            self.end(lease, "COMMIT", outcome).await
        })
    }

    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>> {
        Box::pin(async move {
            let rows = self.catalogue(LIST_TABLES, &[]).await?;
            let first = self.schemas.first().map(String::as_str);
            let mut tables: Vec<TableInfo> = rows
                .into_iter()
                .filter_map(|row| match row.as_slice() {
                    [SqlValue::Text(schema), SqlValue::Text(name), SqlValue::Text(kind)] => {
                        Some(TableInfo {
                            name: if Some(schema.as_str()) == first {
                                name.clone()
                            } else {
                                format!("{schema}.{name}")
                            },
                            kind: kind.clone(),
                        })
                    }
                    _ => None,
                })
                .collect();
            tables.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(tables)
        })
    }

    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        Box::pin(async move {
            if !self.tables().await?.iter().any(|t| t.name == table) {
                return Err(Error::not_found(format!("No table is named {table:?}.")));
            }
            let (schema, name) = match table.split_once('.') {
                Some((schema, name)) if self.schemas.iter().any(|s| s == schema) => (schema, name),
                _ => (self.schemas.first().map_or("public", String::as_str), table),
            };
            let params = [
                SqlValue::Text(schema.to_owned()),
                SqlValue::Text(name.to_owned()),
            ];
            let rows = self.catalogue(DESCRIBE_TABLE, &params).await?;
            Ok(rows
                .into_iter()
                .filter_map(|row| {
                    let text = |i: usize| match row.get(i) {
                        Some(SqlValue::Text(s)) => Some(s.clone()),
                        _ => None,
                    };
                    let key = match row.get(4) {
                        Some(SqlValue::Integer(n)) => u32::try_from(*n).unwrap_or(0),
                        _ => 0,
                    };
                    Some(ColumnInfo {
                        name: text(0)?,
                        declared_type: text(1).unwrap_or_default(),
                        nullable: text(2).as_deref() == Some("YES"),
                        default: text(3),
                        primary_key: key,
                    })
                })
                .collect())
        })
    }
}

impl PgSql {
    /// Runs one of the server's own catalogue reads.
    async fn catalogue(&self, query: &str, params: &[SqlValue]) -> Result<Vec<Vec<SqlValue>>> {
        let schemas: Vec<SqlValue> = self.schemas.iter().cloned().map(SqlValue::Text).collect();
        let params: Vec<SqlValue> = if params.is_empty() {
            schemas
        } else {
            params.to_vec()
        };
        let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("${i}")).collect();
        let query = query.replace("{schemas}", &placeholders.join(", "));
        let rows = self
            .query(&query, &params, SqlLimits::rows(100_000))
            .await?;
        Ok(rows.rows)
    }
}

/// Reads the rows of `sql` within `limits`.
async fn read_rows(
    client: &tokio_postgres::Client,
    sql: &str,
    params: &[SqlValue],
    limits: SqlLimits,
) -> Result<SqlRows> {
    let statement = client.prepare(sql).await.map_err(|e| pg_error(&e))?;
    let columns: Vec<String> = statement
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let statement = match with_text_casts(sql, statement.columns()) {
        Some(cast) => client.prepare(&cast).await.map_err(|e| pg_error(&e))?,
        None => statement,
    };
    let rows = client
        .query_raw(&statement, params.iter().map(TextParam))
        .await
        .map_err(|e| pg_error(&e))?;
    pin_mut!(rows);
    let mut page = RowCollector::new(columns, limits);
    while page.wants_more() {
        let Some(row) = rows.try_next().await.map_err(|e| pg_error(&e))? else {
            break;
        };
        let values = (0..row.len())
            .map(|i| read(&row, i))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| pg_error(&e))?;
        page.push(values)?;
    }
    Ok(page.finish())
}

/// Runs the write `sql`.
async fn write(
    client: &tokio_postgres::Client,
    sql: &str,
    params: &[SqlValue],
) -> Result<SqlExecution> {
    let statement = client.prepare(sql).await.map_err(|e| pg_error(&e))?;
    let rows_affected = client
        .execute_raw(&statement, params.iter().map(TextParam))
        .await
        .map_err(|e| pg_error(&e))?;
    Ok(SqlExecution {
        rows_affected,
        last_insert_id: None,
    })
}

/// The tables and views of the configured schemas (`{schemas}` stands for their
/// placeholders).
const LIST_TABLES: &str = "SELECT table_schema::text, table_name::text, \
     CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END \
     FROM information_schema.tables WHERE table_schema IN ({schemas}) ORDER BY 1, 2";

/// A table's columns, in order, with their place in the primary key.
const DESCRIBE_TABLE: &str = "SELECT c.column_name::text, \
     upper(CASE WHEN c.character_maximum_length IS NOT NULL \
       THEN c.data_type || '(' || c.character_maximum_length || ')' ELSE c.data_type END), \
     c.is_nullable::text, c.column_default::text, \
     coalesce((SELECT k.ordinal_position::int FROM information_schema.table_constraints t \
       JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name \
         AND k.table_schema = t.table_schema AND k.table_name = t.table_name \
       WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema \
         AND t.table_name = c.table_name AND k.column_name = c.column_name), 0) \
     FROM information_schema.columns c WHERE c.table_schema = $1 AND c.table_name = $2 \
     ORDER BY c.ordinal_position";

/// PostgreSQL's text cannot hold NUL: a statement or text parameter with one is the
/// caller's mistake, refused before anything is sent (the driver would otherwise fail
/// as if the server were unreachable).
fn refuse_nul(sql: &str, params: &[SqlValue]) -> Result<()> {
    let in_params = params
        .iter()
        .any(|p| matches!(p, SqlValue::Text(text) if text.contains('\0')));
    if sql.contains('\0') || in_params {
        return Err(Error::invalid_params(
            "PostgreSQL text cannot hold a NUL character (\\0); remove it from the \
             statement and its parameters",
        ));
    }
    Ok(())
}
