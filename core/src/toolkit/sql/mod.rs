//! The SQL toolkit: `sql_list_tables`, `sql_describe_table`, `sql_query`, the opt-in
//! `sql_execute`, and the `sql://tables` resources.
//!
//! Safety comes in layers: a guard that tokenizes as SQLite does admits only one
//! read-only statement calling allowlisted functions ([`policy`]), values travel as bound
//! parameters, the server wraps every query in its own `LIMIT` so the row cap holds
//! whatever the query says, a byte budget bounds each page, and each query races a time
//! limit. The budget keeps the conversion to JSON and text that follows a query small, so
//! it stays within the time limit and never holds the runtime's workers for long.

#[cfg(any(test, feature = "testing"))]
pub mod corpus;
pub(crate) mod export;
pub(crate) mod guard;
mod lexer;
pub mod policy;
#[cfg(feature = "postgres")]
pub mod postgres;
mod render;

use super::schemas;
use crate::protocol::{ResourceContents, ToolAnnotations};
use crate::storage::{SqlDatabase, SqlDialect, SqlLimits, SqlValue};
use crate::toolkit::config::{SqlConfig, SQL_ROW_CAP};
use crate::util::base64_encode;
use crate::{
    Error, ErrorKind, Resource, ResourceTemplate, Result, ServerBuilder, Tool, ToolResult,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Serialize, JsonSchema)]
struct TableList {
    /// Tables and views, by name.
    tables: Vec<TableEntry>,
}

#[derive(Serialize, JsonSchema)]
struct TableEntry {
    /// The table's name.
    name: String,
    /// `table` or `view`.
    kind: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DescribeArgs {
    /// The table's name, as `sql_list_tables` gives it.
    #[schemars(example = &"customers")]
    table: String,
}

#[derive(Serialize, JsonSchema)]
struct TableDescription {
    /// The table's name.
    table: String,
    /// Its columns, in order.
    columns: Vec<ColumnEntry>,
}

#[derive(Serialize, JsonSchema)]
struct ColumnEntry {
    /// The column's name.
    name: String,
    /// Its declared type (may be empty).
    #[serde(rename = "type")]
    declared_type: String,
    /// Whether it accepts NULL.
    nullable: bool,
    /// Its position in the primary key from 1, or 0.
    primary_key: u32,
    /// Its default, as SQL text.
    default: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct QueryArgs {
    /// One read-only statement: SELECT, WITH … SELECT, or VALUES. Use `?1`, `?2`, … for
    /// values and pass them in `params`.
    #[schemars(example = &"SELECT id, name, city FROM customers ORDER BY id LIMIT 10")]
    query: String,
    /// Values for the `?N` placeholders, in order: strings, numbers, booleans or null.
    #[serde(default)]
    params: Vec<Value>,
    /// Rows per page; the server caps it whatever the query's own LIMIT says.
    #[schemars(range(min = 1))]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page of the same query, to continue.
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct QueryOutput {
    /// Column names, in order.
    columns: Vec<String>,
    /// Rows, each with one value per column; binary values are base64.
    rows: Vec<Vec<Value>>,
    /// How many rows this page holds.
    row_count: usize,
    /// Whether more rows exist beyond this page.
    truncated: bool,
    /// Pass as `cursor` with the same query and params to get the next page.
    next_cursor: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ExecuteArgs {
    /// One INSERT, UPDATE, DELETE or REPLACE statement, with `?1`, `?2`, … for values.
    statement: String,
    /// Values for the `?N` placeholders, in order.
    #[serde(default)]
    params: Vec<Value>,
}

#[derive(Serialize, JsonSchema)]
struct ExecuteOutput {
    /// Rows inserted, updated or deleted.
    rows_affected: u64,
    /// The rowid of the last insert, if any.
    last_insert_id: Option<i64>,
}

/// Registers the SQL tools and resources over `db`.
pub(crate) fn register(
    builder: ServerBuilder,
    db: Arc<dyn SqlDatabase>,
    config: &SqlConfig,
) -> Result<ServerBuilder> {
    let config = Arc::new(config.clone());
    let mut builder = builder
        .tool(list_tables(db.clone())?)
        .tool(describe_table(db.clone())?)
        .tool(query(db.clone(), config.clone())?)
        .resource(tables_resource(db.clone()))
        .resource_template(table_template(db.clone())?);
    if config.allow_writes && db.capability().write {
        builder = builder.tool(execute(db, config)?);
    }
    Ok(builder)
}

fn list_tables(db: Arc<dyn SqlDatabase>) -> Result<Tool> {
    Ok(schemas::typed(
        "sql_list_tables",
        "Lists the tables and views of the database.",
        move |_: NoArgs, _cx| {
            let db = db.clone();
            async move {
                let tables = db.tables().await?;
                Ok(TableList {
                    tables: tables
                        .into_iter()
                        .map(|t| TableEntry {
                            name: t.name,
                            kind: t.kind,
                        })
                        .collect(),
                })
            }
        },
    )?
    .title("List tables")
    .annotations(ToolAnnotations::read_only()))
}

fn describe_table(db: Arc<dyn SqlDatabase>) -> Result<Tool> {
    Ok(schemas::typed(
        "sql_describe_table",
        "Describes a table's columns: name, type, nullability, primary key and default.",
        move |args: DescribeArgs, _cx| {
            let db = db.clone();
            async move { describe(&*db, args.table).await }
        },
    )?
    .title("Describe a table")
    .annotations(ToolAnnotations::read_only()))
}

async fn describe(db: &dyn SqlDatabase, table: String) -> Result<TableDescription> {
    let columns = db.columns(&table).await.map_err(|err| match err.kind() {
        ErrorKind::NotFound => Error::not_found(format!(
            "No table is named {table:?}. Call sql_list_tables to see the tables."
        )),
        _ => err,
    })?;
    Ok(TableDescription {
        table,
        columns: columns
            .into_iter()
            .map(|c| ColumnEntry {
                name: c.name,
                declared_type: c.declared_type,
                nullable: c.nullable,
                primary_key: c.primary_key,
                default: c.default,
            })
            .collect(),
    })
}

fn query(db: Arc<dyn SqlDatabase>, config: Arc<SqlConfig>) -> Result<Tool> {
    let description = format!(
        "Runs one read-only SQL statement (SELECT, WITH … SELECT or VALUES) and returns at most {} rows per page, with a cursor for the next page. Pass values as params bound to ?1, ?2, …",
        config.max_rows
    );
    let output_schema = schemas::output("sql_query")?.ok_or_else(|| {
        Error::internal("toolkit/schemas.json has no output schema for sql_query.")
    })?;
    Ok(Tool::untyped("sql_query", description, schemas::input("sql_query")?, move |args, cx| {
        let (db, config) = (db.clone(), config.clone());
        async move {
            let args: QueryArgs = match serde_json::from_value(args) {
                Ok(args) => args,
                Err(err) => return Ok(ToolResult::error(format!("Invalid arguments for tool `sql_query`: {err}."))),
            };
            let params = bind(&args.params)?;
            let limit = match args.limit {
                None => config.max_rows,
                Some(0) => return Err(Error::invalid_params("limit must be at least 1.")),
                Some(n) => n.min(config.max_rows).min(SQL_ROW_CAP),
            };
            let fingerprint = fingerprint(&args.query, &args.params);
            let offset = match &args.cursor {
                None => 0,
                Some(cursor) => decode_cursor(cursor, fingerprint)?,
            };
            // The server's own LIMIT, one row past the page to learn whether more exist.
            let wrapped = match checked_read(db.capability().dialect, &args.query, limit + 1, offset) {
                Ok(wrapped) => wrapped,
                Err(refusal) => return Ok(ToolResult::error(format!("The query was refused: {refusal}"))),
            };
            let limits = SqlLimits::rows(limit + 1).with_max_bytes(config.max_result_bytes);
            let run = db.query(&wrapped, &params, limits);
            // The statement's own limit, or what is left of the request, whichever is less.
            let time_limit = config.timeout.min(cx.remaining());
            let mut rows = match cx.runtime().within(time_limit, run).await {
                Some(rows) => rows?,
                None => {
                    return Err(Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "The query ran longer than {} ms and was stopped; narrow it with WHERE or ask for fewer rows.",
                            time_limit.as_millis()
                        ),
                    ))
                }
            };
            let truncated = rows.over_budget || rows.rows.len() > limit;
            rows.rows.truncate(limit);
            let next_offset = offset + rows.rows.len();
            let output = QueryOutput {
                row_count: rows.rows.len(),
                rows: rows.rows.iter().map(|row| row.iter().map(to_json).collect()).collect(),
                columns: rows.columns,
                truncated,
                next_cursor: truncated.then(|| encode_cursor(fingerprint, next_offset)),
            };
            let text = render::table(&output.columns, &output.rows, truncated);
            let mut result = ToolResult::text(text);
            result.structured = Some(serde_json::to_value(&output).map_err(|e| Error::internal(e.to_string()))?);
            Ok(result)
        }
    })
    .output_schema(output_schema)
    .title("Query the database")
    .annotations(ToolAnnotations::read_only()))
}

fn execute(db: Arc<dyn SqlDatabase>, config: Arc<SqlConfig>) -> Result<Tool> {
    Ok(schemas::typed(
        "sql_execute",
        "Runs one INSERT, UPDATE, DELETE or REPLACE statement with bound parameters. Changes data: confirm with the user first.",
        move |args: ExecuteArgs, cx| {
            let (db, config) = (db.clone(), config.clone());
            async move {
                let statement = checked_write(db.capability().dialect, &args.statement).map_err(|refusal| Error::invalid_params(format!("The statement was refused: {refusal}")))?;
                let params = bind(&args.params)?;
                let run = db.execute(statement, &params);
                let limit = config.timeout.min(cx.remaining());
                let done = match cx.runtime().within(limit, run).await {
                    Some(done) => done?,
                    None => {
                        return Err(Error::new(
                            ErrorKind::Timeout,
                            format!("The statement ran longer than {} ms; its outcome is unknown.", limit.as_millis()),
                        ))
                    }
                };
                Ok(ExecuteOutput { rows_affected: done.rows_affected, last_insert_id: done.last_insert_id })
            }
        },
    )?
    .title("Change data")
    .annotations(ToolAnnotations::destructive().idempotent(false)))
}

fn tables_resource(db: Arc<dyn SqlDatabase>) -> Resource {
    Resource::new("sql://tables", "tables", move |_cx| {
        let db = db.clone();
        async move {
            let tables = db.tables().await?;
            let body = json!(tables
                .iter()
                .map(|t| json!({"name": t.name, "kind": t.kind}))
                .collect::<Vec<_>>());
            Ok(vec![ResourceContents::text(
                "sql://tables",
                "application/json",
                body.to_string(),
            )])
        }
    })
    .title("Database tables")
    .description("The tables and views of the database, as JSON.")
    .mime_type("application/json")
}

fn table_template(db: Arc<dyn SqlDatabase>) -> Result<ResourceTemplate> {
    Ok(
        ResourceTemplate::new("sql://tables/{table}", "table", move |uri, vars, _cx| {
            let db = db.clone();
            let table = vars.get("table").unwrap_or_default().to_owned();
            async move {
                let description = describe(&*db, table).await?;
                let body = serde_json::to_string(&description)
                    .map_err(|e| Error::internal(e.to_string()))?;
                Ok(vec![ResourceContents::text(uri, "application/json", body)])
            }
        })?
        .title("Table schema")
        .description("One table's columns, as JSON.")
        .mime_type("application/json"),
    )
}

/// A read the dialect's guard admitted, as the paged statement to run; or the refusal.
fn checked_read(
    dialect: SqlDialect,
    query: &str,
    limit: usize,
    offset: usize,
) -> std::result::Result<String, String> {
    match dialect {
        #[cfg(feature = "postgres")]
        SqlDialect::Postgres => postgres::check_read_only(query)
            .map(|()| postgres::paged_query(query, limit, offset))
            .map_err(|refusal| refusal.to_string()),
        SqlDialect::Sqlite => guard::check_read_only(query)
            .map(|()| policy::paged_query(query, limit, offset))
            .map_err(|refusal| refusal.to_string()),
        #[allow(unreachable_patterns)]
        _ => Err(NO_GUARD.to_owned()),
    }
}

/// A write the dialect's guard admitted, without its trailing `;`; or the refusal.
fn checked_write(dialect: SqlDialect, statement: &str) -> std::result::Result<&str, String> {
    match dialect {
        #[cfg(feature = "postgres")]
        SqlDialect::Postgres => postgres::check_write(statement)
            .map(|()| postgres::without_trailing_semicolon(statement))
            .map_err(|refusal| refusal.to_string()),
        SqlDialect::Sqlite => guard::check_write(statement)
            .map(|()| lexer::without_trailing_semicolon(statement))
            .map_err(|refusal| refusal.to_string()),
        #[allow(unreachable_patterns)]
        _ => Err(NO_GUARD.to_owned()),
    }
}

/// The refusal when the core was built without the database's guard.
#[cfg_attr(feature = "postgres", allow(dead_code))]
const NO_GUARD: &str = "this server was built without a statement guard for its database's SQL \
                        dialect (the core's `postgres` feature), so it runs no statement";

/// JSON params as SQL values.
fn bind(params: &[Value]) -> Result<Vec<SqlValue>> {
    params
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Null => Ok(SqlValue::Null),
            Value::Bool(b) => Ok(SqlValue::Integer(i64::from(*b))),
            Value::Number(n) => Ok(n
                .as_i64()
                .map(SqlValue::Integer)
                .unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)))),
            Value::String(s) => Ok(SqlValue::Text(s.clone())),
            other => Err(Error::invalid_params(format!(
                "params[{i}] must be a string, number, boolean or null, received {}.",
                crate::jsonrpc::describe(other)
            ))),
        })
        .collect()
}

fn to_json(value: &SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(n) => json!(n),
        SqlValue::Real(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        SqlValue::Text(s) => Value::String(s.clone()),
        SqlValue::Blob(bytes) => Value::String(base64_encode(bytes)),
    }
}

/// A 64-bit FNV-1a hash of the query and its params: a cursor only continues the query
/// it came from.
fn fingerprint(query: &str, params: &[Value]) -> u64 {
    let params = Value::Array(params.to_vec()).to_string();
    crate::util::fnv1a(&[query.as_bytes(), &[0], params.as_bytes()])
}

fn encode_cursor(fingerprint: u64, offset: usize) -> String {
    crate::util::encode_cursor(&format!("{fingerprint:016x}"), &offset.to_string())
}

fn decode_cursor(cursor: &str, fingerprint: u64) -> Result<usize> {
    crate::util::decode_cursor(&format!("{fingerprint:016x}"), cursor)
        .and_then(|offset| offset.parse().ok())
        .ok_or_else(|| {
            Error::invalid_params("The cursor does not belong to this query and params; run the query again without a cursor.")
        })
}
/// The schemas `schemas.json` must hold for these tools, derived from their types.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) fn derived_schemas() -> Vec<schemas::Derived> {
    use crate::tool::{output_schema_of, schema_of};
    vec![
        (
            "sql_list_tables",
            schema_of::<NoArgs>(),
            output_schema_of::<TableList>(),
        ),
        (
            "sql_describe_table",
            schema_of::<DescribeArgs>(),
            output_schema_of::<TableDescription>(),
        ),
        (
            "sql_query",
            schema_of::<QueryArgs>(),
            output_schema_of::<QueryOutput>(),
        ),
        (
            "sql_execute",
            schema_of::<ExecuteArgs>(),
            output_schema_of::<ExecuteOutput>(),
        ),
        (
            "sql_export",
            schema_of::<export::ExportArgs>(),
            output_schema_of::<export::ExportOutput>(),
        ),
    ]
}
