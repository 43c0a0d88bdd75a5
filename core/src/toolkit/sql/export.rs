//! `sql_export`: the whole result of a read-only query, past the page cap, written to the
//! object store as CSV or JSON Lines; a task for clients that take one, since a large
//! export outlasts a request.
//!
//! The query passes the same guard as `sql_query` and is read in pages of at most
//! [`SQL_ROW_CAP`] rows under the same byte budget, so no page holds more in memory than a
//! `sql_query` call would; the export stops at its own row and byte limits. Nothing is
//! written until the last page was read, so a cancelled or failed export leaves the
//! store as it was.

use super::{bind, checked_read, to_json};
use crate::protocol::ToolAnnotations;
use crate::storage::{BlobPut, BlobStore, SqlDatabase, SqlLimits, SqlRows, SqlValue};
use crate::tool::TaskSupport;
use crate::toolkit::blob::object_key;
use crate::toolkit::config::{SqlConfig, SQL_ROW_CAP};
use crate::toolkit::schemas;
use crate::toolkit::scopes::{READ_SCOPE, WRITE_SCOPE};
use crate::toolkit::space::KeySpace;
use crate::{Error, ErrorKind, RequestContext, Result, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ExportArgs {
    /// One read-only statement: SELECT, WITH … SELECT, or VALUES. Use `?1`, `?2`, … for
    /// values and pass them in `params`.
    #[schemars(example = &"SELECT id, name, city FROM customers ORDER BY id")]
    query: String,
    /// Values for the `?N` placeholders, in order: strings, numbers, booleans or null.
    #[serde(default)]
    params: Vec<Value>,
    /// `csv` (a header line, then one line per row) or `jsonl` (one JSON object per row).
    format: ExportFormat,
    /// The object to write, such as `exports/customers.csv`; an existing one is replaced.
    #[schemars(example = &"exports/customers.csv")]
    key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum ExportFormat {
    /// Comma-separated values (RFC 4180): a header line, fields quoted when needed.
    Csv,
    /// JSON Lines: one object per row, keyed by column name.
    Jsonl,
}

impl ExportFormat {
    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/jsonl",
        }
    }
}

#[derive(Serialize, JsonSchema)]
pub(super) struct ExportOutput {
    /// The object written.
    key: String,
    /// Its size in bytes.
    bytes: u64,
    /// How many rows it holds.
    rows: u64,
    /// Its format.
    format: ExportFormat,
    /// Its content type.
    content_type: String,
}

/// The `sql_export` tool over `db`, writing into `blobs` under `space`.
pub(crate) fn tool(
    db: Arc<dyn SqlDatabase>,
    blobs: Arc<dyn BlobStore>,
    config: &SqlConfig,
    space: KeySpace,
) -> Result<Tool> {
    let config = Arc::new(config.clone());
    let description = format!(
        "Runs one read-only SQL statement and writes its whole result (up to {} rows) to the object store as CSV or JSON Lines; returns the object's key and size. Pass values as params bound to ?1, ?2, … Long exports run as tasks.",
        config.export_max_rows
    );
    Ok(
        schemas::typed("sql_export", description, move |args: ExportArgs, cx| {
            let (db, blobs, config, space) =
                (db.clone(), blobs.clone(), config.clone(), space.clone());
            async move { export(&*db, &*blobs, &config, &space, args, &cx).await }
        })?
        .title("Export a query to the object store")
        .annotations(ToolAnnotations::destructive().idempotent(true))
        // Reads like sql_query, and writes an object like blob_put.
        .scopes([READ_SCOPE, WRITE_SCOPE])
        .task_support(TaskSupport::Optional),
    )
}

async fn export(
    db: &dyn SqlDatabase,
    blobs: &dyn BlobStore,
    config: &SqlConfig,
    space: &KeySpace,
    args: ExportArgs,
    cx: &RequestContext,
) -> Result<ExportOutput> {
    let key = object_key(&space.prefix_for(cx)?, &args.key)?;
    let params = bind(&args.params)?;
    let dialect = db.capability().dialect;
    let page = SQL_ROW_CAP;
    let mut body = Vec::new();
    let mut rows: u64 = 0;
    let mut offset = 0;
    loop {
        if cx.is_cancelled() {
            return Err(Error::new(
                ErrorKind::Cancelled,
                "The export was cancelled before it wrote anything.",
            ));
        }
        let wrapped = checked_read(dialect, &args.query, page + 1, offset).map_err(|refusal| {
            Error::invalid_params(format!("The query was refused: {refusal}"))
        })?;
        let limits = SqlLimits::rows(page + 1).with_max_bytes(config.max_result_bytes);
        let time_limit = config.timeout.min(cx.remaining());
        let Some(read) = cx
            .runtime()
            .within(time_limit, db.query(&wrapped, &params, limits))
            .await
        else {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "A page of the export ran longer than {} ms and was stopped; narrow the query with WHERE.",
                    time_limit.as_millis()
                ),
            ));
        };
        let mut read = read?;
        let more = read.over_budget || read.rows.len() > page;
        read.rows.truncate(page);
        if more && read.rows.is_empty() {
            return Err(Error::invalid_params(format!(
                "A row is larger than the byte budget of one page ({} bytes); select fewer or smaller columns.",
                config.max_result_bytes
            )));
        }
        if offset == 0 {
            write_header(&mut body, args.format, &read);
        }
        for row in &read.rows {
            rows += 1;
            if rows > config.export_max_rows as u64 {
                return Err(Error::invalid_params(format!(
                    "The query returns more than {} rows, the most one export writes; narrow it with WHERE, or raise EDGEMCP_SQL_EXPORT_MAX_ROWS.",
                    config.export_max_rows
                )));
            }
            write_row(&mut body, args.format, &read.columns, row);
            if body.len() > config.export_max_bytes {
                return Err(Error::invalid_params(format!(
                    "The export is larger than {} bytes, the most one export writes; select fewer rows or columns, or raise EDGEMCP_SQL_EXPORT_MAX_BYTES.",
                    config.export_max_bytes
                )));
            }
        }
        offset += read.rows.len();
        cx.progress(rows as f64, None, Some(&format!("{rows} rows read")));
        if !more {
            break;
        }
    }
    if cx.is_cancelled() {
        return Err(Error::new(
            ErrorKind::Cancelled,
            "The export was cancelled before it wrote anything.",
        ));
    }
    let bytes = body.len() as u64;
    blobs
        .put(
            &key,
            body,
            BlobPut::content_type(args.format.content_type()),
        )
        .await?;
    Ok(ExportOutput {
        key: args.key,
        bytes,
        rows,
        format: args.format,
        content_type: args.format.content_type().to_owned(),
    })
}

fn write_header(body: &mut Vec<u8>, format: ExportFormat, rows: &SqlRows) {
    if format == ExportFormat::Csv {
        let fields: Vec<String> = rows.columns.iter().map(|c| csv_field(c)).collect();
        body.extend_from_slice(fields.join(",").as_bytes());
        body.extend_from_slice(b"\r\n");
    }
}

fn write_row(body: &mut Vec<u8>, format: ExportFormat, columns: &[String], row: &[SqlValue]) {
    match format {
        ExportFormat::Csv => {
            let fields: Vec<String> = row
                .iter()
                .map(|value| match to_json(value) {
                    Value::Null => String::new(),
                    Value::String(text) => csv_field(&text),
                    other => csv_field(&other.to_string()),
                })
                .collect();
            body.extend_from_slice(fields.join(",").as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        ExportFormat::Jsonl => {
            let object: Map<String, Value> = columns
                .iter()
                .cloned()
                .zip(row.iter().map(to_json))
                .collect();
            // Writing a JSON value into memory cannot fail.
            let _ = serde_json::to_writer(&mut *body, &object);
            body.push(b'\n');
        }
    }
}

/// One CSV field: quoted (with `"` doubled) when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("Oslo"), "Oslo");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
