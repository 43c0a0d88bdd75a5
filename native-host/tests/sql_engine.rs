//! The SQL toolkit's defences on the native host, against SQLite itself.
//!
//! - The statement corpus (`core/tests/corpus/sql-statements.json`) through `sql_query`,
//!   where the guard and the engine both stand, and straight to the engine's read
//!   connection with no guard in front, where the authorizer and limits stand alone.
//! - The result budget: a gigabyte `zeroblob`, a row wider than the budget, and many
//!   medium rows, each a clear error or a truncated page with a working cursor.
//! - Tenant isolation refuses to start over one shared database unless told it is meant
//!   to be shared.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{build_server, count_rows, is_refusal, text_of, SampleStore};
use edgemcp::storage::{SqlDatabase, SqlLimits, SqlValue};
use edgemcp::toolkit::sql_corpus::corpus;
use edgemcp_native::storage::SqliteSql;
use serde_json::{json, Value};

const BUDGET: usize = 4 * 1024 * 1024;

fn to_sql(params: &[Value]) -> Vec<SqlValue> {
    params
        .iter()
        .map(|v| match v {
            Value::Number(n) => SqlValue::Integer(n.as_i64().unwrap()),
            Value::String(s) => SqlValue::Text(s.clone()),
            other => panic!("unexpected corpus param {other}"),
        })
        .collect()
}

#[tokio::test]
async fn sql_query_refuses_every_refused_statement() {
    let store = SampleStore::new(&[]);
    for entry in corpus().unwrap().refused {
        let result = store.sql_query(json!({"query": entry.sql})).await;
        assert!(
            is_refusal(&result),
            "[{}] ran: {:?}\n{result}",
            entry.class,
            entry.sql
        );
        assert!(
            text_of(&result).contains("refused"),
            "[{}] {:?}: {}",
            entry.class,
            entry.sql,
            text_of(&result)
        );
    }
}

#[tokio::test]
async fn the_engine_alone_refuses_what_the_guard_refuses() {
    let store = SampleStore::new(&[]);
    let db = SqliteSql::open(&store.db_path(), BUDGET).unwrap();
    let customers = count_rows(&store.db_path(), "customers");
    let mut checked = 0;
    let mut ran = Vec::new();
    for entry in corpus().unwrap().refused {
        if entry.engine.is_some() {
            continue;
        }
        checked += 1;
        let outcome = db
            .query(&entry.sql, &[], SqlLimits::rows(10).with_max_bytes(BUDGET))
            .await;
        if let Ok(rows) = outcome {
            ran.push(format!(
                "[{}] {:?} returned {:?}",
                entry.class, entry.sql, rows.rows
            ));
        }
    }
    assert!(ran.is_empty(), "the engine ran:\n{}", ran.join("\n"));
    assert!(
        checked >= 150,
        "only {checked} statements reached the engine"
    );
    assert_eq!(count_rows(&store.db_path(), "customers"), customers);
    let tables = db.tables().await.unwrap();
    assert!(tables.iter().any(|t| t.name == "customers"), "{tables:?}");
}

#[tokio::test]
async fn every_accepted_statement_runs_through_guard_and_engine() {
    let store = SampleStore::new(&[]);
    let db = SqliteSql::open(&store.db_path(), BUDGET).unwrap();
    for entry in corpus().unwrap().accepted {
        let result = store
            .sql_query(json!({"query": entry.sql(), "params": entry.params()}))
            .await;
        assert!(
            !is_refusal(&result),
            "{:?}: {}",
            entry.sql(),
            text_of(&result)
        );
        assert!(
            result["structuredContent"]["columns"].is_array(),
            "{result}"
        );
        let direct = db
            .query(entry.sql(), &to_sql(entry.params()), SqlLimits::rows(10))
            .await;
        assert!(direct.is_ok(), "{:?}: {:?}", entry.sql(), direct.err());
    }
}

#[tokio::test]
async fn a_gigabyte_value_is_refused_and_the_server_lives_on() {
    let store = SampleStore::new(&[]);
    for query in [
        "SELECT zeroblob(999999999) FROM order_items",
        "SELECT randomblob(1000000000)",
        "SELECT printf('%.*c', 1000000000, 'x')",
        "SELECT group_concat(zeroblob(1000000)) FROM order_items",
    ] {
        let result = store.sql_query(json!({"query": query})).await;
        assert!(is_refusal(&result), "{query}: {result}");
        let text = text_of(&result);
        assert!(
            text.contains("EDGEMCP_SQL_MAX_RESULT_BYTES"),
            "{query}: {text}"
        );
    }
    let after = store
        .sql_query(json!({"query": "SELECT count(*) AS n FROM customers"}))
        .await;
    assert!(!is_refusal(&after), "{after}");
}

#[tokio::test]
async fn a_value_or_row_over_the_budget_names_what_to_change() {
    let store = SampleStore::new(&[("EDGEMCP_SQL_MAX_RESULT_BYTES", "100000")]);
    // One value that SQLite can still build but no page can hold: named by its column.
    let wide_value = store
        .sql_query(json!({"query": "SELECT id, randomblob(90000) AS payload FROM customers"}))
        .await;
    assert!(is_refusal(&wide_value), "{wide_value}");
    let text = text_of(&wide_value);
    assert!(
        text.contains("`payload`") && text.contains("100000"),
        "{text}"
    );
    // A row of values that each fit but together do not.
    let wide_row = store
        .sql_query(json!({"query": "SELECT hex(randomblob(20000)) AS a, hex(randomblob(20000)) AS b, hex(randomblob(20000)) AS c"}))
        .await;
    assert!(is_refusal(&wide_row), "{wide_row}");
    assert!(
        text_of(&wide_row).contains("One row"),
        "{}",
        text_of(&wide_row)
    );
}

#[tokio::test]
async fn many_medium_rows_are_paged_by_the_budget() {
    let store = SampleStore::new(&[("EDGEMCP_SQL_MAX_RESULT_BYTES", "100000")]);
    let query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60) \
                 SELECT i, hex(zeroblob(5000)) AS filler FROM n";
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut args = json!({"query": query});
        if let Some(cursor) = &cursor {
            args["cursor"] = json!(cursor);
        }
        let page = store.sql_query(args).await;
        assert!(!is_refusal(&page), "{page}");
        let content = &page["structuredContent"];
        let rows = content["rows"].as_array().unwrap();
        assert!(!rows.is_empty());
        // 10 KB a row against a 100 KB budget: never more than ten rows a page.
        assert!(rows.len() <= 10, "{} rows on one page", rows.len());
        seen.extend(rows.iter().map(|r| r[0].as_i64().unwrap()));
        pages += 1;
        if content["truncated"] == true {
            cursor = Some(content["next_cursor"].as_str().unwrap().to_owned());
        } else {
            assert!(content["next_cursor"].is_null());
            break;
        }
    }
    assert!(pages >= 6, "{pages} pages");
    assert_eq!(
        seen,
        (1..=60).collect::<Vec<i64>>(),
        "every row once, in order"
    );
}

#[test]
fn tenant_isolation_refuses_a_shared_database_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let api_keys = format!("{}:acme", "a".repeat(64));
    let build = |vars: &[(&str, &str)]| {
        let mut all = vec![
            ("EDGEMCP_AUTH_MODE", "api_key"),
            ("EDGEMCP_AUTH_API_KEYS", api_keys.as_str()),
            ("EDGEMCP_AUTH_AUDIENCE", "http://127.0.0.1/mcp"),
            ("EDGEMCP_AUTH_TENANT_ISOLATION", "true"),
        ];
        all.extend_from_slice(vars);
        build_server(dir.path(), &all)
    };
    let Err(refused) = build(&[]) else {
        panic!("a shared database must be refused under tenant isolation");
    };
    let message = refused.to_string();
    assert!(
        message.contains("EDGEMCP_SQL_ENABLED=false")
            && message.contains("EDGEMCP_SQL_SHARED_ACROSS_TENANTS=true"),
        "{message}"
    );
    assert!(build(&[("EDGEMCP_SQL_SHARED_ACROSS_TENANTS", "true")]).is_ok());
    assert!(build(&[("EDGEMCP_SQL_ENABLED", "false")]).is_ok());
}
