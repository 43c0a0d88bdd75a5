use super::platform_error;
use crate::js;
use edgemcp::runtime::BoxFuture;
use edgemcp::storage::{
    sqlite_table_info, ColumnInfo, RowCollector, SqlCapability, SqlDatabase, SqlExecution,
    SqlLimits, SqlRows, SqlValue, TableInfo, SQLITE_LIST_TABLES,
};
use edgemcp::Error;
use wasm_bindgen::{JsCast, JsValue};

/// A D1 database as a [`SqlDatabase`].
pub struct D1(JsValue);

impl D1 {
    /// Wraps a D1 database binding (`env.DB`); `None` when `binding` is not one.
    pub fn new(binding: JsValue) -> Option<Self> {
        js::has_method(&binding, "prepare").then_some(D1(binding))
    }

    /// `db.prepare(sql).bind(...params)`.
    async fn statement(&self, sql: &str, params: &[SqlValue]) -> edgemcp::Result<JsValue> {
        let values: Vec<JsValue> = params.iter().map(to_js).collect();
        let prepared = js::call(&self.0, "prepare", &[sql.into()])
            .await
            .map_err(|e| query_error(&e))?;
        js::call(&prepared, "bind", &values)
            .await
            .map_err(|e| platform_error("D1 bind", e))
    }

    /// Runs `stmt.raw({ columnNames: true })`: the first row holds the column names, so they
    /// are known even when no row matches.
    async fn raw_with_columns(&self, stmt: &JsValue) -> edgemcp::Result<SqlRows> {
        if !js::has_method(stmt, "raw") {
            return Err(Error::storage(
                "D1 statements have no raw(); update the compatibility date.",
            ));
        }
        let options = js::object(&[("columnNames", JsValue::TRUE)]);
        let result = js::call(stmt, "raw", &[options.into()])
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
            let stmt = self.statement(sql, params).await?;
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
            let stmt = self.statement(sql, params).await?;
            let result = js::call(&stmt, "run", &[])
                .await
                .map_err(|e| query_error(&e))?;
            let meta = js::get(&result, "meta");
            Ok(SqlExecution {
                rows_affected: js::number(&meta, "changes").unwrap_or(0.0) as u64,
                last_insert_id: js::number(&meta, "last_row_id").map(|id| id as i64),
            })
        })
    }

    fn tables(&self) -> BoxFuture<'_, edgemcp::Result<Vec<TableInfo>>> {
        Box::pin(async move {
            let stmt = self.statement(SQLITE_LIST_TABLES, &[]).await?;
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
            let stmt = self.statement(&sqlite_table_info(table), &[]).await?;
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

/// D1 reports a bad statement (syntax, unknown column, a broken constraint) as an
/// exception: that is the caller's mistake, not an outage, so it is invalid params with D1's
/// own words, and a circuit breaker does not count it.
fn query_error(message: &str) -> Error {
    if message.contains("SQLITE_ERROR")
        || message.contains("SQLITE_CONSTRAINT")
        || message.contains("no such")
        || message.contains("syntax error")
    {
        Error::invalid_params(format!("The database refused the query: {message}"))
    } else {
        platform_error("D1 query", message)
    }
}
