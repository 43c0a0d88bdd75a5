use super::platform_error;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    sqlite_table_info, ColumnInfo, RowCollector, SqlCapability, SqlDatabase, SqlExecution,
    SqlLimits, SqlRows, SqlValue, TableInfo, SQLITE_LIST_TABLES,
};
use edgemcp::Error;
use wasm_bindgen::{JsCast, JsValue};
use worker::{D1Database, D1PreparedStatement};

/// A D1 database as a [`SqlDatabase`].
pub struct D1(D1Database);

impl D1 {
    /// Wraps a D1 database binding.
    pub fn new(db: D1Database) -> Self {
        D1(db)
    }

    fn statement(&self, sql: &str, params: &[SqlValue]) -> edgemcp::Result<D1PreparedStatement> {
        let values: Vec<JsValue> = params.iter().map(to_js).collect();
        self.0
            .prepare(sql)
            .bind(&values)
            .map_err(|e| platform_error("D1 bind", e))
    }

    /// Runs `stmt.raw({ columnNames: true })`: the first row holds the column names, so they
    /// are known even when no row matches.
    async fn raw_with_columns(&self, stmt: &D1PreparedStatement) -> edgemcp::Result<SqlRows> {
        let inner: &JsValue = stmt.inner().as_ref();
        let raw = js_sys::Reflect::get(inner, &JsValue::from_str("raw"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| {
                Error::storage("D1 statements have no raw(); update the compatibility date.")
            })?;
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str("columnNames"), &JsValue::TRUE);
        let promise = raw
            .call1(inner, &options)
            .map_err(|e| platform_error("D1 query", js_message(&e)))?;
        let result = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
            .await
            .map_err(|e| query_error(&e))?;
        let rows = js_sys::Array::from(&result);
        let mut iter = rows.iter();
        let columns = iter
            .next()
            .map(|names| {
                js_sys::Array::from(&names)
                    .iter()
                    .filter_map(|n| n.as_string())
                    .collect()
            })
            .unwrap_or_default();
        let rows = iter
            .map(|row| {
                js_sys::Array::from(&row)
                    .iter()
                    .map(|v| from_js(&v))
                    .collect()
            })
            .collect();
        Ok(SqlRows {
            columns,
            rows,
            over_budget: false,
        })
    }
}

impl SqlDatabase for D1 {
    fn capability(&self) -> SqlCapability {
        let mut cap = SqlCapability::default();
        cap.write = true;
        cap
    }

    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, edgemcp::Result<SqlRows>> {
        Box::pin(async move {
            let stmt = self.statement(sql, params)?;
            // D1 answers with the whole result; the budget is counted on what came back.
            let all = self.raw_with_columns(&stmt).await?;
            RowCollector::collect(all.columns, all.rows, limits)
        })
    }

    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, edgemcp::Result<SqlExecution>> {
        Box::pin(async move {
            let stmt = self.statement(sql, params)?;
            let result = stmt
                .run()
                .await
                .map_err(|e| platform_error("D1 execute", e))?;
            let meta = result.meta().ok().flatten();
            Ok(SqlExecution {
                rows_affected: meta.as_ref().and_then(|m| m.changes).unwrap_or(0) as u64,
                last_insert_id: meta.and_then(|m| m.last_row_id),
            })
        })
    }

    fn tables(&self) -> BoxFuture<'_, edgemcp::Result<Vec<TableInfo>>> {
        Box::pin(async move {
            let stmt = self.statement(SQLITE_LIST_TABLES, &[])?;
            let rows = self.raw_with_columns(&stmt).await?;
            Ok(rows
                .rows
                .into_iter()
                .filter_map(|row| match (row.first(), row.get(1)) {
                    (Some(SqlValue::Text(name)), Some(SqlValue::Text(kind))) => Some(TableInfo {
                        name: name.clone(),
                        kind: kind.clone(),
                    }),
                    _ => None,
                })
                .collect())
        })
    }

    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, edgemcp::Result<Vec<ColumnInfo>>> {
        Box::pin(async move {
            if !self.tables().await?.iter().any(|t| t.name == table) {
                return Err(Error::not_found(format!("No table is named {table:?}.")));
            }
            let stmt = self.statement(&sqlite_table_info(table), &[])?;
            let rows = self.raw_with_columns(&stmt).await?;
            // PRAGMA table_info: cid, name, type, notnull, dflt_value, pk.
            Ok(rows
                .rows
                .into_iter()
                .filter_map(|row| {
                    let text = |i: usize| match row.get(i) {
                        Some(SqlValue::Text(s)) => Some(s.clone()),
                        _ => None,
                    };
                    let int = |i: usize| match row.get(i) {
                        Some(SqlValue::Integer(n)) => *n,
                        _ => 0,
                    };
                    Some(ColumnInfo {
                        name: text(1)?,
                        declared_type: text(2).unwrap_or_default(),
                        nullable: int(3) == 0,
                        primary_key: u32::try_from(int(5)).unwrap_or(0),
                        default: text(4),
                    })
                })
                .collect())
        })
    }
}

fn to_js(value: &SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Integer(n) => JsValue::from_f64(*n as f64),
        SqlValue::Real(f) => JsValue::from_f64(*f),
        SqlValue::Text(s) => JsValue::from_str(s),
        SqlValue::Blob(bytes) => js_sys::Uint8Array::from(bytes.as_slice()).into(),
    }
}

fn from_js(value: &JsValue) -> SqlValue {
    if value.is_null() || value.is_undefined() {
        SqlValue::Null
    } else if let Some(f) = value.as_f64() {
        if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
            SqlValue::Integer(f as i64)
        } else {
            SqlValue::Real(f)
        }
    } else if let Some(s) = value.as_string() {
        SqlValue::Text(s)
    } else if let Some(b) = value.as_bool() {
        SqlValue::Integer(i64::from(b))
    } else if let Ok(buffer) = value.clone().dyn_into::<js_sys::ArrayBuffer>() {
        SqlValue::Blob(js_sys::Uint8Array::new(&buffer).to_vec())
    } else if js_sys::Array::is_array(value) {
        let bytes = js_sys::Array::from(value)
            .iter()
            .map(|b| b.as_f64().unwrap_or(0.0) as u8)
            .collect();
        SqlValue::Blob(bytes)
    } else {
        SqlValue::Text(String::from(
            js_sys::JSON::stringify(value).unwrap_or_default(),
        ))
    }
}

fn js_message(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// D1 reports a bad query (syntax, unknown column) as an exception: that is the caller's
/// mistake, not an outage, so it is invalid params with D1's own words.
fn query_error(err: &JsValue) -> Error {
    let message = js_message(err);
    if message.contains("SQLITE_ERROR")
        || message.contains("no such")
        || message.contains("syntax error")
    {
        Error::invalid_params(format!("The database refused the query: {message}"))
    } else {
        platform_error("D1 query", message)
    }
}
