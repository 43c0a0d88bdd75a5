use super::lock;
use super::sql_parse::{
    describe, parse, unsupported, Delete, Filter, Insert, Projection, Select, Source, Statement,
};
use crate::runtime::BoxFuture;
use crate::storage::{
    ColumnInfo, RowCollector, SqlCapability, SqlDatabase, SqlDialect, SqlExecution, SqlLimits,
    SqlRows, SqlValue, TableInfo,
};
use crate::{Error, Result};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A small [`SqlDatabase`] of in-memory tables, for tests and demos.
///
/// It really stores and filters rows, but understands only a small subset of SQL
/// (keywords case-insensitive, names optionally `"quoted"`, values as integer, real and
/// `'string'` literals, `NULL` or `?N` placeholders):
///
/// ```text
/// SELECT <* | col[, col...]> FROM <table | (SELECT ...)> [AS alias]
///     [WHERE col = value [AND col = value...]] [LIMIT n] [OFFSET n] [;]
/// INSERT INTO table (col[, col...]) VALUES (value[, value...]) [;]
/// DELETE FROM table [WHERE col = value [AND col = value...]] [;]
/// ```
///
/// Anything else is an [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported) error;
/// use SQLite for real SQL. Comparisons follow SQL: `col = NULL` matches no row, and
/// integers equal reals of the same value. The first column of each table is its primary
/// key: inserts refuse a duplicate, and fill a missing `INTEGER` key with the next number.
///
/// ```
/// use edgemcp::storage::testing::MemorySql;
/// use edgemcp::storage::{SqlDatabase, SqlLimits, SqlValue};
///
/// let db = MemorySql::new().table(
///     "customers",
///     &[("id", "INTEGER"), ("name", "TEXT")],
///     vec![
///         vec![SqlValue::Integer(1), SqlValue::Text("Ada".into())],
///         vec![SqlValue::Integer(2), SqlValue::Text("Grace".into())],
///     ],
/// );
/// let rows = futures_executor::block_on(db.query(
///     "SELECT name FROM customers WHERE id = ?1",
///     &[SqlValue::Integer(2)],
///     SqlLimits::rows(100),
/// ))?;
/// assert_eq!(rows.rows, vec![vec![SqlValue::Text("Grace".into())]]);
/// # Ok::<(), edgemcp::Error>(())
/// ```
#[derive(Default)]
pub struct MemorySql {
    /// Tables by lowercased name: names are case-insensitive, as in SQLite.
    tables: Mutex<BTreeMap<String, Table>>,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    /// Names and declared types.
    columns: Vec<(String, String)>,
    rows: Vec<Vec<SqlValue>>,
}

impl Table {
    fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|(name, _)| name.clone()).collect()
    }
}

impl MemorySql {
    /// An empty database.
    pub fn new() -> Self {
        MemorySql::default()
    }

    /// Adds (or replaces) a table; its first column is the primary key.
    ///
    /// `columns` are `(name, declared type)` pairs. Rows shorter than the column list
    /// are padded with `NULL`, longer ones cut to it.
    pub fn table(self, name: &str, columns: &[(&str, &str)], rows: Vec<Vec<SqlValue>>) -> Self {
        let mut tables = self
            .tables
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let width = columns.len();
        let rows = rows
            .into_iter()
            .map(|mut row| {
                row.resize(width, SqlValue::Null);
                row
            })
            .collect();
        let table = Table {
            name: name.to_owned(),
            columns: columns
                .iter()
                .map(|(name, ty)| ((*name).to_owned(), (*ty).to_owned()))
                .collect(),
            rows,
        };
        tables.insert(name.to_ascii_lowercase(), table);
        MemorySql {
            tables: Mutex::new(tables),
        }
    }

    fn tables_now(&self) -> Result<MutexGuard<'_, BTreeMap<String, Table>>> {
        lock(&self.tables, "database")
    }

    fn query_now(&self, sql: &str, params: &[SqlValue], max_rows: usize) -> Result<SqlRows> {
        match parse(sql, params)? {
            Statement::Select(select) => select_rows(&*self.tables_now()?, &select, max_rows),
            _ => Err(unsupported(
                "query runs only SELECT; send INSERT and DELETE to execute",
            )),
        }
    }

    fn execute_now(&self, sql: &str, params: &[SqlValue]) -> Result<SqlExecution> {
        match parse(sql, params)? {
            Statement::Insert(insert) => insert_row(&mut *self.tables_now()?, insert),
            Statement::Delete(delete) => delete_rows(&mut *self.tables_now()?, &delete),
            Statement::Select(_) => Err(unsupported(
                "execute runs only INSERT and DELETE; send SELECT to query",
            )),
        }
    }

    fn columns_now(&self, table: &str) -> Result<Vec<ColumnInfo>> {
        let tables = self.tables_now()?;
        let found = tables.get(&table.to_ascii_lowercase()).ok_or_else(|| {
            Error::not_found(format!(
                "no table named `{table}`; the tables are: {}",
                table_names(&tables)
            ))
        })?;
        Ok(found
            .columns
            .iter()
            .enumerate()
            .map(|(i, (name, declared_type))| ColumnInfo {
                name: name.clone(),
                declared_type: declared_type.clone(),
                nullable: i != 0,
                primary_key: u32::from(i == 0),
                default: None,
            })
            .collect())
    }
}

impl std::fmt::Debug for MemorySql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self
            .tables
            .lock()
            .map(|t| t.values().map(|t| t.name.clone()).collect::<Vec<_>>())
            .ok();
        f.debug_struct("MemorySql").field("tables", &names).finish()
    }
}

fn table_names(tables: &BTreeMap<String, Table>) -> String {
    if tables.is_empty() {
        return "(none)".to_owned();
    }
    let mut names: Vec<&str> = tables.values().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    names.join(", ")
}

fn no_table(tables: &BTreeMap<String, Table>, name: &str) -> Error {
    Error::invalid_params(format!(
        "no table named `{name}`; the tables are: {}",
        table_names(tables)
    ))
}

fn find_table<'t>(tables: &'t BTreeMap<String, Table>, name: &str) -> Result<&'t Table> {
    tables
        .get(&name.to_ascii_lowercase())
        .ok_or_else(|| no_table(tables, name))
}

fn find_table_mut<'t>(
    tables: &'t mut BTreeMap<String, Table>,
    name: &str,
) -> Result<&'t mut Table> {
    let key = name.to_ascii_lowercase();
    if !tables.contains_key(&key) {
        return Err(no_table(tables, name));
    }
    tables
        .get_mut(&key)
        .ok_or_else(|| no_table(&BTreeMap::new(), name))
}

/// Where `name` is among `columns` (case-insensitive), or an error naming `source`.
fn column_index(columns: &[String], name: &str, source: &str) -> Result<usize> {
    columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::invalid_params(format!(
                "no column named `{name}` in {source}; its columns are: {}",
                columns.join(", ")
            ))
        })
}

/// `column = value` as SQL compares: `NULL` equals nothing, integers equal reals.
#[allow(clippy::float_cmp)] // SQL equality is exact.
fn sql_eq(left: Option<&SqlValue>, right: &SqlValue) -> bool {
    use SqlValue::{Blob, Integer, Real, Text};
    match (left, right) {
        (Some(Integer(a)), Integer(b)) => a == b,
        (Some(Real(a)), Real(b)) => a == b,
        (Some(Integer(a)), Real(b)) | (Some(Real(b)), Integer(a)) => *a as f64 == *b,
        (Some(Text(a)), Text(b)) => a == b,
        (Some(Blob(a)), Blob(b)) => a == b,
        _ => false,
    }
}

/// Filters as `(column index, value)`.
fn resolve_filters<'f>(
    columns: &[String],
    filters: &'f [Filter],
    source: &str,
) -> Result<Vec<(usize, &'f SqlValue)>> {
    filters
        .iter()
        .map(|f| Ok((column_index(columns, &f.column, source)?, &f.value)))
        .collect()
}

fn matches(row: &[SqlValue], filters: &[(usize, &SqlValue)]) -> bool {
    filters
        .iter()
        .all(|(index, value)| sql_eq(row.get(*index), value))
}

/// Runs a `SELECT`, reading no more than `max_rows` result rows.
fn select_rows(
    tables: &BTreeMap<String, Table>,
    select: &Select,
    max_rows: usize,
) -> Result<SqlRows> {
    let (columns, rows, source): (Vec<String>, Cow<'_, [Vec<SqlValue>]>, String) =
        match &select.source {
            Source::Table(name) => {
                let table = find_table(tables, name)?;
                (
                    table.column_names(),
                    Cow::Borrowed(&table.rows),
                    format!("table `{}`", table.name),
                )
            }
            Source::Subquery(inner) => {
                let inner = select_rows(tables, inner, usize::MAX)?;
                (
                    inner.columns,
                    Cow::Owned(inner.rows),
                    "the subquery".to_owned(),
                )
            }
        };
    let filters = resolve_filters(&columns, &select.filters, &source)?;
    let (names, picks): (Vec<String>, Vec<usize>) = match &select.projection {
        Projection::All => (columns.clone(), (0..columns.len()).collect()),
        Projection::Columns(wanted) => {
            let picks = wanted
                .iter()
                .map(|name| column_index(&columns, name, &source))
                .collect::<Result<Vec<_>>>()?;
            (wanted.clone(), picks)
        }
    };
    let limit = match select.limit {
        Some(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    let offset = usize::try_from(select.offset.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let rows = rows
        .iter()
        .filter(|row| matches(row, &filters))
        .skip(offset)
        .take(limit.min(max_rows))
        .map(|row| {
            picks
                .iter()
                .map(|i| row.get(*i).cloned().unwrap_or(SqlValue::Null))
                .collect()
        })
        .collect();
    Ok(SqlRows {
        columns: names,
        rows,
        over_budget: false,
    })
}

fn insert_row(tables: &mut BTreeMap<String, Table>, insert: Insert) -> Result<SqlExecution> {
    let table = find_table_mut(tables, &insert.table)?;
    if insert.columns.len() != insert.values.len() {
        return Err(Error::invalid_params(format!(
            "the INSERT names {} column(s) but gives {} value(s); give one value per column",
            insert.columns.len(),
            insert.values.len()
        )));
    }
    let columns = table.column_names();
    let source = format!("table `{}`", table.name);
    let mut row = vec![SqlValue::Null; columns.len()];
    let mut seen = vec![false; columns.len()];
    for (name, value) in insert.columns.iter().zip(insert.values) {
        let index = column_index(&columns, name, &source)?;
        if let (Some(slot), Some(seen)) = (row.get_mut(index), seen.get_mut(index)) {
            if std::mem::replace(seen, true) {
                return Err(Error::invalid_params(format!(
                    "column `{name}` is named twice in the INSERT; name each column once"
                )));
            }
            *slot = value;
        }
    }
    if let (Some(key), Some((key_name, key_type))) = (row.first_mut(), table.columns.first()) {
        if *key == SqlValue::Null {
            if !key_type.eq_ignore_ascii_case("INTEGER") {
                return Err(Error::invalid_params(format!(
                    "column `{key_name}` is the primary key of `{}` and cannot be NULL; give it a value",
                    table.name
                )));
            }
            let highest = table
                .rows
                .iter()
                .filter_map(|r| match r.first() {
                    Some(SqlValue::Integer(n)) => Some(*n),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            let next = highest.checked_add(1).ok_or_else(|| {
                Error::invalid_params(format!(
                    "`{}` has used every integer key; give `{key_name}` a value",
                    table.name
                ))
            })?;
            *key = SqlValue::Integer(next);
        } else if table.rows.iter().any(|r| sql_eq(r.first(), key)) {
            return Err(Error::invalid_params(format!(
                "a row of `{}` already has {key_name} = {}; use another primary key value",
                table.name,
                describe(key)
            )));
        }
    }
    table.rows.push(row);
    Ok(SqlExecution {
        rows_affected: 1,
        last_insert_id: i64::try_from(table.rows.len()).ok(),
    })
}

fn delete_rows(tables: &mut BTreeMap<String, Table>, delete: &Delete) -> Result<SqlExecution> {
    let table = find_table_mut(tables, &delete.table)?;
    let filters = resolve_filters(
        &table.column_names(),
        &delete.filters,
        &format!("table `{}`", table.name),
    )?;
    let before = table.rows.len();
    table.rows.retain(|row| !matches(row, &filters));
    Ok(SqlExecution {
        rows_affected: u64::try_from(before - table.rows.len()).unwrap_or(u64::MAX),
        last_insert_id: None,
    })
}

impl SqlDatabase for MemorySql {
    fn capability(&self) -> SqlCapability {
        SqlCapability {
            read_only_connection: false,
            write: true,
            dialect: SqlDialect::Sqlite,
        }
    }

    fn query<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
        limits: SqlLimits,
    ) -> BoxFuture<'a, Result<SqlRows>> {
        Box::pin(async move {
            let all = self.query_now(sql, params, limits.max_rows)?;
            RowCollector::collect(all.columns, all.rows, limits)
        })
    }

    fn execute<'a>(
        &'a self,
        sql: &'a str,
        params: &'a [SqlValue],
    ) -> BoxFuture<'a, Result<SqlExecution>> {
        Box::pin(async move { self.execute_now(sql, params) })
    }

    fn tables(&self) -> BoxFuture<'_, Result<Vec<TableInfo>>> {
        Box::pin(async move {
            let mut tables: Vec<TableInfo> = self
                .tables_now()?
                .values()
                .map(|t| TableInfo {
                    name: t.name.clone(),
                    kind: "table".to_owned(),
                })
                .collect();
            tables.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(tables)
        })
    }

    fn columns<'a>(&'a self, table: &'a str) -> BoxFuture<'a, Result<Vec<ColumnInfo>>> {
        Box::pin(async move { self.columns_now(table) })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.
mod tests {
    use super::*;
    use crate::ErrorKind;
    use futures_executor::block_on;
    use SqlValue::{Integer as I, Null, Real as R};

    /// SQL, parameters, max_rows, expected columns, expected rows.
    type Case<'a> = (
        &'a str,
        &'a [SqlValue],
        usize,
        &'a [&'a str],
        &'a [&'a [SqlValue]],
    );

    fn t(s: &str) -> SqlValue {
        SqlValue::Text(s.to_owned())
    }

    fn db() -> MemorySql {
        MemorySql::new()
            .table(
                "customers",
                &[("id", "INTEGER"), ("name", "TEXT"), ("email", "TEXT")],
                vec![
                    vec![I(1), t("Ada"), t("ada@example.com")],
                    vec![I(2), t("Grace"), t("grace@example.com")],
                    vec![I(3), t("Linus"), Null],
                    vec![I(4), t("Ada"), t("ada@work.example")],
                ],
            )
            .table(
                "Orders",
                &[
                    ("id", "INTEGER"),
                    ("customer_id", "INTEGER"),
                    ("total", "REAL"),
                ],
                vec![vec![I(10), I(1), R(9.5)], vec![I(11), I(2)]],
            )
    }

    fn query(db: &MemorySql, sql: &str, params: &[SqlValue], max_rows: usize) -> Result<SqlRows> {
        block_on(db.query(sql, params, SqlLimits::rows(max_rows)))
    }

    #[test]
    fn passes_the_behavior_suite() {
        block_on(crate::storage::testing::sql_behavior(&db()));
    }

    #[test]
    fn accepted_selects() {
        let ada = [t("Ada")];
        #[rustfmt::skip]
        let table: &[Case<'_>] = &[
            ("SELECT id FROM customers", &[], 100, &["id"], &[&[I(1)], &[I(2)], &[I(3)], &[I(4)]]),
            ("select ID, \"name\" from CUSTOMERS where NAME = 'Ada';", &[], 100,
                &["ID", "name"], &[&[I(1), t("Ada")], &[I(4), t("Ada")]]),
            ("SELECT id FROM customers WHERE name = ?1 AND email = 'ada@work.example'", &ada, 100,
                &["id"], &[&[I(4)]]),
            ("SELECT id FROM customers WHERE id = 2.0", &[], 100, &["id"], &[&[I(2)]]),
            ("SELECT id FROM customers WHERE email = NULL", &[], 100, &["id"], &[]),
            ("SELECT id FROM customers LIMIT 2 OFFSET 1", &[], 100, &["id"], &[&[I(2)], &[I(3)]]),
            ("SELECT id FROM customers LIMIT -1 OFFSET -5", &[], 2, &["id"], &[&[I(1)], &[I(2)]]),
            ("SELECT id FROM customers OFFSET 3", &[], 100, &["id"], &[&[I(4)]]),
            ("SELECT * FROM orders AS o WHERE customer_id = +2", &[], 100,
                &["id", "customer_id", "total"], &[&[I(11), I(2), Null]]),
            ("SELECT total FROM orders WHERE total = 9.5", &[], 100, &["total"], &[&[R(9.5)]]),
            ("SELECT name FROM (SELECT * FROM customers WHERE name = ?1) AS a LIMIT 1", &ada, 100,
                &["name"], &[&[t("Ada")]]),
            ("SELECT id FROM (SELECT id, name FROM (SELECT * FROM customers) WHERE name = 'Ada') WHERE id = 4",
                &[], 100, &["id"], &[&[I(4)]]),
            ("  SELECT id -- trailing comment\n FROM /* inline */ customers LIMIT 0", &[], 100, &["id"], &[]),
            ("SELECT id FROM customers WHERE name = 'O''Brien'", &[], 100, &["id"], &[]),
        ];
        for (sql, params, max_rows, columns, rows) in table {
            let got = query(&db(), sql, params, *max_rows).unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert_eq!(got.columns, *columns, "{sql}");
            let rows: Vec<Vec<SqlValue>> = rows.iter().map(|r| r.to_vec()).collect();
            assert_eq!(got.rows, rows, "{sql}");
        }
    }

    #[test]
    fn refused_selects() {
        let unsupported = ErrorKind::Unsupported;
        let invalid = ErrorKind::InvalidParams;
        #[rustfmt::skip]
        let table: &[(&str, &[SqlValue], ErrorKind, &str)] = &[
            ("UPDATE customers SET name = 'x'", &[], unsupported, "`UPDATE` statements"),
            ("PRAGMA table_info(customers)", &[], unsupported, "`PRAGMA`"),
            ("SELECT * FROM customers JOIN orders ON orders.customer_id = customers.id", &[], unsupported, "`JOIN`"),
            ("SELECT * FROM customers, orders", &[], unsupported, "`,`"),
            ("SELECT * FROM customers c", &[], unsupported, "`c`"),
            ("SELECT * FROM customers ORDER BY name", &[], unsupported, "`ORDER`"),
            ("SELECT count(*) FROM customers", &[], unsupported, "function calls"),
            ("SELECT customers.id FROM customers", &[], unsupported, "qualified"),
            ("SELECT 1", &[], unsupported, "a column name"),
            ("SELECT id FROM customers WHERE id > 1", &[], unsupported, "`>`"),
            ("SELECT id FROM customers WHERE id = 1 OR id = 2", &[], unsupported, "`OR`"),
            ("SELECT id FROM customers WHERE name LIKE 'A%'", &[], unsupported, "`LIKE`"),
            ("SELECT id FROM customers LIMIT 1, 2", &[], unsupported, "`,`"),
            ("SELECT id FROM customers; DELETE FROM customers", &[], unsupported, "one statement"),
            ("SELECT id FROM customers WHERE id = ?", &[], unsupported, "bare `?`"),
            ("SELECT id FROM customers WHERE name = 'open", &[], unsupported, "not closed"),
            ("SELECT `id` FROM customers", &[], unsupported, "'`'"),
            ("SELECT id FROM", &[], unsupported, "ends there"),
            ("", &[], unsupported, "empty"),
            ("INSERT INTO customers (id) VALUES (9)", &[], unsupported, "send INSERT and DELETE to execute"),
            ("SELECT nope FROM customers", &[], invalid, "no column named `nope` in table `customers`; its columns are: id, name, email"),
            ("SELECT id FROM customers WHERE nope = 1", &[], invalid, "`nope`"),
            ("SELECT nope FROM (SELECT id FROM customers)", &[], invalid, "in the subquery"),
            ("SELECT * FROM nowhere", &[], invalid, "no table named `nowhere`; the tables are: Orders, customers"),
            ("SELECT id FROM customers WHERE id = ?2", &[I(1)], invalid, "?2 has no value"),
            ("SELECT id FROM customers WHERE id = ?0", &[I(1)], invalid, "?0"),
            ("SELECT id FROM customers LIMIT 'ten'", &[], invalid, "LIMIT needs an integer"),
            ("SELECT id FROM customers OFFSET ?1", &[R(1.5)], invalid, "OFFSET needs an integer"),
        ];
        for (sql, params, kind, needle) in table {
            let err = query(&db(), sql, params, 100).expect_err(sql);
            assert_eq!(err.kind(), *kind, "{sql}: {err}");
            let needle = needle.replace('\'', "");
            assert!(
                err.message().contains(&needle),
                "{sql}: {err} lacks {needle:?}"
            );
            if *kind == unsupported {
                assert!(
                    err.message().contains("use SQLite for anything else"),
                    "{sql}: {err}"
                );
            }
        }
    }

    #[test]
    fn max_rows_caps_every_query() {
        let db = db();
        for (sql, max_rows, expected) in [
            ("SELECT * FROM customers", 0, 0),
            ("SELECT * FROM customers", 3, 3),
            ("SELECT * FROM customers LIMIT 10", 2, 2),
            ("SELECT * FROM customers LIMIT 1", 2, 1),
            ("SELECT * FROM (SELECT * FROM customers) LIMIT 10", 3, 3),
        ] {
            assert_eq!(
                query(&db, sql, &[], max_rows).unwrap().rows.len(),
                expected,
                "{sql}"
            );
        }
    }

    #[test]
    fn nested_from_with_a_limit_placeholder() {
        let got = query(
            &db(),
            "SELECT name FROM (SELECT * FROM customers WHERE name = ?2) AS ada LIMIT ?1",
            &[I(1), t("Ada")],
            100,
        )
        .unwrap();
        assert_eq!(got.rows, vec![vec![t("Ada")]]);
        let all = query(
            &db(),
            "SELECT * FROM (SELECT name, id FROM customers)",
            &[],
            100,
        )
        .unwrap();
        assert_eq!(all.columns, ["name", "id"]);
        assert_eq!(all.rows.len(), 4);
    }

    #[test]
    fn tables_and_columns() {
        let db = db();
        let tables = block_on(db.tables()).unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Orders", "customers"], "sorted by name, bytewise");
        assert!(tables.iter().all(|t| t.kind == "table"));
        let columns = block_on(db.columns("ORDERS")).unwrap();
        assert_eq!(
            columns.first(),
            Some(&ColumnInfo {
                name: "id".into(),
                declared_type: "INTEGER".into(),
                nullable: false,
                primary_key: 1,
                default: None,
            })
        );
        assert!(columns
            .iter()
            .skip(1)
            .all(|c| c.nullable && c.primary_key == 0));
        let err = block_on(db.columns("ghosts")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains("`ghosts`"), "{err}");
        assert_eq!(
            db.capability(),
            SqlCapability {
                read_only_connection: false,
                write: true,
                dialect: SqlDialect::Sqlite,
            }
        );
        assert!(format!("{db:?}").contains("customers"));
    }

    #[test]
    fn inserts_and_deletes() {
        let db = db();
        let run = |sql: &str, params: &[SqlValue]| block_on(db.execute(sql, params));

        let done = run(
            "INSERT INTO customers (id, name, email) VALUES (?1, ?2, NULL)",
            &[I(7), t("Edsger")],
        )
        .unwrap();
        assert_eq!(
            done,
            SqlExecution {
                rows_affected: 1,
                last_insert_id: Some(5)
            }
        );
        let got = query(
            &db,
            "SELECT email, name FROM customers WHERE id = 7",
            &[],
            10,
        )
        .unwrap();
        assert_eq!(got.rows, vec![vec![Null, t("Edsger")]]);

        // A missing INTEGER key takes the next number.
        let done = run("insert into customers (name) values ('Barbara');", &[]).unwrap();
        assert_eq!(done.last_insert_id, Some(6));
        let got = query(
            &db,
            "SELECT id FROM customers WHERE name = 'Barbara'",
            &[],
            10,
        )
        .unwrap();
        assert_eq!(got.rows, vec![vec![I(8)]]);

        for (sql, params, kind, needle) in [
            (
                "INSERT INTO customers (id) VALUES (1)",
                &[][..],
                ErrorKind::InvalidParams,
                "already has id = 1",
            ),
            (
                "INSERT INTO customers (id, id) VALUES (20, 21)",
                &[],
                ErrorKind::InvalidParams,
                "named twice",
            ),
            (
                "INSERT INTO customers (id, name) VALUES (20)",
                &[],
                ErrorKind::InvalidParams,
                "1 value",
            ),
            (
                "INSERT INTO customers (nope) VALUES (20)",
                &[],
                ErrorKind::InvalidParams,
                "`nope`",
            ),
            (
                "INSERT INTO ghosts (id) VALUES (1)",
                &[],
                ErrorKind::InvalidParams,
                "`ghosts`",
            ),
            (
                "INSERT INTO customers VALUES (20, 'x', 'y')",
                &[],
                ErrorKind::Unsupported,
                "`(`",
            ),
            (
                "INSERT INTO customers (id) SELECT id FROM orders",
                &[],
                ErrorKind::Unsupported,
                "VALUES",
            ),
            (
                "UPDATE customers SET name = 'x'",
                &[],
                ErrorKind::Unsupported,
                "UPDATE",
            ),
            ("DROP TABLE customers", &[], ErrorKind::Unsupported, "DROP"),
            (
                "SELECT * FROM customers",
                &[],
                ErrorKind::Unsupported,
                "send SELECT to query",
            ),
            (
                "DELETE FROM customers WHERE nope = 1",
                &[],
                ErrorKind::InvalidParams,
                "`nope`",
            ),
        ] {
            let err = run(sql, params).expect_err(sql);
            assert_eq!(err.kind(), kind, "{sql}: {err}");
            assert!(
                err.message().contains(needle),
                "{sql}: {err} lacks {needle:?}"
            );
        }

        let done = run("DELETE FROM customers WHERE name = ?1", &[t("Ada")]).unwrap();
        assert_eq!(
            done,
            SqlExecution {
                rows_affected: 2,
                last_insert_id: None
            }
        );
        let done = run("DELETE FROM customers WHERE name = 'Ada'", &[]).unwrap();
        assert_eq!(done.rows_affected, 0);
        let done = run("DELETE FROM orders", &[]).unwrap();
        assert_eq!(done.rows_affected, 2);
        assert!(query(&db, "SELECT * FROM orders", &[], 10)
            .unwrap()
            .rows
            .is_empty());

        // A key that is not INTEGER must be given.
        let db = MemorySql::new().table("tags", &[("tag", "TEXT")], vec![]);
        let err = block_on(db.execute("INSERT INTO tags (tag) VALUES (NULL)", &[])).unwrap_err();
        assert!(err.message().contains("cannot be NULL"), "{err}");
    }

    #[test]
    fn ragged_rows_are_padded_or_cut() {
        let db = MemorySql::new().table(
            "t",
            &[("a", ""), ("b", "")],
            vec![vec![I(1)], vec![I(2), I(3), I(4)]],
        );
        let got = query(&db, "SELECT * FROM t", &[], 10).unwrap();
        assert_eq!(got.rows, vec![vec![I(1), Null], vec![I(2), I(3)]]);
    }

    #[test]
    fn no_input_panics() {
        let db = db();
        let seeds = [
            "SELECT name FROM (SELECT * FROM customers WHERE name = ?1) AS a WHERE id = 1 LIMIT ?2 OFFSET 1;",
            "INSERT INTO customers (id, name) VALUES (-5, 'it''s');",
            "DELETE FROM customers WHERE id = 1.5e3 AND name = \"x\" /* c */ -- d",
            "SELECT \"é\", ü FROM ✓ WHERE x = '✓'",
        ];
        let params = [I(1), I(2)];
        for seed in seeds {
            let chars: Vec<char> = seed.chars().collect();
            for cut in 0..=chars.len() {
                let prefix: String = chars.iter().take(cut).collect();
                let suffix: String = chars.iter().skip(cut).collect();
                for sql in [prefix, suffix] {
                    let _ = query(&db, &sql, &params, 5);
                    let _ = block_on(db.execute(&sql, &params));
                }
            }
        }
    }
}
