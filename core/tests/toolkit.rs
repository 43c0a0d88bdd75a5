//! The toolkits against the in-memory stores, through the same dispatcher every host uses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    kv_tools_round_trip_and_limits,
    kv_prefix_confines_keys,
    blob_tools_round_trip_and_key_rules,
    sql_tools_query_page_and_refuse,
    sql_execute_is_opt_in_and_guarded,
    sql_export_writes_the_whole_result_or_nothing,
    sql_queries_stop_at_the_time_limit,
    toolkits_can_be_switched_off,
);

mod scenarios {
    use super::common::*;
    use edgemcp::protocol::ProtocolVersion;
    use edgemcp::runtime::testing::{CountingRng, ImmediateTimer, ManualClock};
    use edgemcp::runtime::{BoxFuture, Runtime};
    use edgemcp::storage::testing::MemorySql;
    use edgemcp::storage::*;
    use edgemcp::toolkit::{register, Stores, ToolkitConfig};
    use edgemcp::Server;
    use serde_json::{json, Value};
    use std::sync::Arc;

    fn customers() -> MemorySql {
        let rows = (1..=250)
            .map(|i| {
                vec![
                    SqlValue::Integer(i),
                    SqlValue::Text(format!("Customer {i}")),
                    SqlValue::Text(format!("c{i}@example.com")),
                ]
            })
            .collect();
        MemorySql::new().table(
            "customers",
            &[("id", "INTEGER"), ("name", "TEXT"), ("email", "TEXT")],
            rows,
        )
    }

    fn server_with(vars: &[(&str, &str)], runtime: Runtime) -> (Server, Stores) {
        let stores = Stores {
            kv: Some(Arc::new(MemoryKv::new(runtime.clone()))),
            sql: Some(Arc::new(customers())),
            blobs: Some(Arc::new(MemoryBlobs::new(runtime.clone()))),
        };
        let config = ToolkitConfig::from_vars(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
        .unwrap();
        let server = register(Server::builder("toolkits", "1"), &stores, &config)
            .unwrap()
            .build(runtime)
            .unwrap();
        (server, stores)
    }

    fn client(vars: &[(&str, &str)]) -> (Client, Stores) {
        let (server, stores) = server_with(vars, Runtime::for_tests(1_000));
        (Client::new(server, ProtocolVersion::V2025_11_25), stores)
    }

    async fn call(client: &Client, tool: &str, args: Value) -> Value {
        client
            .call("tools/call", json!({"name": tool, "arguments": args}))
            .await
            .result()
            .clone()
    }

    fn error_text(result: &Value) -> &str {
        assert_eq!(
            result["isError"], true,
            "expected a tool error, got {result}"
        );
        result["content"][0]["text"].as_str().unwrap()
    }

    pub(crate) async fn kv_tools_round_trip_and_limits() {
        let (c, _) = client(&[]);
        let put = call(
            &c,
            "kv_put",
            json!({"key": "a", "value": "1", "metadata": {"m": true}, "ttl_seconds": 60}),
        )
        .await;
        assert_eq!(put["structuredContent"], json!({"key": "a", "bytes": 1}));
        let got = call(&c, "kv_get", json!({"key": "a"})).await;
        assert_eq!(got["structuredContent"]["value"], "1");
        assert_eq!(got["structuredContent"]["metadata"], json!({"m": true}));
        assert_eq!(got["structuredContent"]["expires_at_ms"], 61_000);
        let missing = call(&c, "kv_get", json!({"key": "zzz"})).await;
        assert_eq!(missing["structuredContent"]["found"], false);
        for i in 0..5 {
            call(
                &c,
                "kv_put",
                json!({"key": format!("list/{i}"), "value": "x"}),
            )
            .await;
        }
        let page = call(&c, "kv_list", json!({"prefix": "list/", "limit": 3})).await;
        assert_eq!(
            page["structuredContent"]["keys"].as_array().unwrap().len(),
            3
        );
        let cursor = page["structuredContent"]["cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let rest = call(
            &c,
            "kv_list",
            json!({"prefix": "list/", "limit": 3, "cursor": cursor}),
        )
        .await;
        assert_eq!(
            rest["structuredContent"]["keys"].as_array().unwrap().len(),
            2
        );
        assert!(rest["structuredContent"]["cursor"].is_null());
        assert!(error_text(&call(&c, "kv_list", json!({"limit": 0})).await)
            .contains("argument `limit`: expected a number >= 1"));
        assert!(error_text(
            &call(
                &c,
                "kv_put",
                json!({"key": "big", "value": "x".repeat(300_000)})
            )
            .await
        )
        .contains("limit is 262144"));
        assert!(
            error_text(&call(&c, "kv_put", json!({"key": "k\u{7}", "value": "x"})).await)
                .contains("control characters")
        );
        assert!(error_text(
            &call(
                &c,
                "kv_put",
                json!({"key": "t", "value": "x", "ttl_seconds": 0})
            )
            .await
        )
        .contains("at least 1"));
        let deleted = call(&c, "kv_delete", json!({"key": "a"})).await;
        assert_eq!(deleted["structuredContent"]["deleted"], true);
    }

    pub(crate) async fn kv_prefix_confines_keys() {
        let (c, stores) = client(&[("EDGEMCP_KV_PREFIX", "tenant-a/")]);
        call(&c, "kv_put", json!({"key": "secret", "value": "mine"})).await;
        let kv = stores.kv.unwrap();
        kv.put("tenant-b/secret", b"theirs".to_vec(), KvPut::new())
            .await
            .unwrap();
        assert_eq!(
            kv.get("tenant-a/secret").await.unwrap().unwrap().value,
            b"mine"
        );
        let listed = call(&c, "kv_list", json!({})).await;
        assert_eq!(
            listed["structuredContent"]["keys"],
            json!([{"key": "secret", "expires_at_ms": null, "metadata": null}])
        );
        let got = call(&c, "kv_get", json!({"key": "secret"})).await;
        assert_eq!(got["structuredContent"]["value"], "mine");
    }

    pub(crate) async fn blob_tools_round_trip_and_key_rules() {
        let (c, _) = client(&[("EDGEMCP_BLOB_PREFIX", "files/")]);
        let put = call(
            &c,
            "blob_put",
            json!({"key": "a/b.json", "content": "{\"x\":1}", "content_type": "application/json"}),
        )
        .await;
        assert_eq!(put["structuredContent"]["key"], "a/b.json");
        assert_eq!(put["structuredContent"]["size"], 7);
        let got = call(&c, "blob_get", json!({"key": "a/b.json"})).await;
        assert_eq!(got["content"][0]["resource"]["text"], "{\"x\":1}");
        assert_eq!(got["content"][0]["resource"]["uri"], "blob:///a/b.json");
        call(
            &c,
            "blob_put",
            json!({"key": "bin", "content": "AAE=", "encoding": "base64"}),
        )
        .await;
        let bin = call(&c, "blob_get", json!({"key": "bin"})).await;
        assert_eq!(bin["content"][0]["resource"]["blob"], "AAE=");
        assert_eq!(
            bin["content"][0]["resource"]["mimeType"],
            "application/octet-stream"
        );
        let listed = call(&c, "blob_list", json!({})).await;
        let keys: Vec<&str> = listed["structuredContent"]["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["a/b.json", "bin"]);
        for key in ["../x", "/x", "a/../../x", "a\\b", "", "a//b"] {
            assert!(
                error_text(&call(&c, "blob_put", json!({"key": key, "content": "x"})).await)
                    .contains("not allowed"),
                "{key:?}"
            );
        }
        let head = call(&c, "blob_head", json!({"key": "nope"})).await;
        assert_eq!(
            head["structuredContent"],
            json!({"found": false, "object": null})
        );
    }

    pub(crate) async fn sql_tools_query_page_and_refuse() {
        let (c, _) = client(&[("EDGEMCP_SQL_MAX_ROWS", "100")]);
        let tables = call(&c, "sql_list_tables", json!({})).await;
        assert_eq!(
            tables["structuredContent"]["tables"],
            json!([{"name": "customers", "kind": "table"}])
        );
        let described = call(&c, "sql_describe_table", json!({"table": "customers"})).await;
        assert_eq!(described["structuredContent"]["columns"][0]["name"], "id");
        assert!(
            error_text(&call(&c, "sql_describe_table", json!({"table": "nope"})).await)
                .contains("sql_list_tables")
        );

        let one = call(
            &c,
            "sql_query",
            json!({"query": "SELECT id, name FROM customers WHERE id = ?1;", "params": [42]}),
        )
        .await;
        assert_eq!(
            one["structuredContent"]["rows"],
            json!([[42, "Customer 42"]])
        );
        assert_eq!(
            one["content"][0]["text"],
            "id | name\n---+------------\n42 | Customer 42\n(1 row)"
        );

        // The query asks for 1000 rows; the server hands out 100 at a time.
        let mut seen = 0;
        let mut cursor: Option<String> = None;
        loop {
            let mut args = json!({"query": "SELECT id FROM customers LIMIT 1000"});
            if let Some(c) = &cursor {
                args["cursor"] = json!(c);
            }
            let page = call(&c, "sql_query", args).await;
            let out = &page["structuredContent"];
            assert!(out["row_count"].as_u64().unwrap() <= 100);
            seen += out["row_count"].as_u64().unwrap();
            match out["next_cursor"].as_str() {
                Some(next) => {
                    assert_eq!(out["truncated"], true);
                    cursor = Some(next.to_owned());
                }
                None => break,
            }
        }
        assert_eq!(seen, 250);
        for (query, phrase) in [
            ("DELETE FROM customers", "DELETE"),
            ("SELECT 1; SELECT 2", "one statement"),
            ("PRAGMA table_info(customers)", "PRAGMA"),
            ("SELECT * FROM customers) LIMIT 100000 --", "parenthes"),
        ] {
            let text = error_text(&call(&c, "sql_query", json!({"query": query})).await).to_owned();
            assert!(text.starts_with("The query was refused"), "{text}");
            assert!(text.contains(phrase), "{query}: {text}");
        }
        assert!(error_text(
            &call(
                &c,
                "sql_query",
                json!({"query": "SELECT 1", "params": [[1]]})
            )
            .await
        )
        .contains("params[0]"));
        let tools = c.call("tools/list", json!({})).await;
        let names: Vec<&str> = tools.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(!names.contains(&"sql_execute"), "writes are off by default");
    }

    pub(crate) async fn sql_execute_is_opt_in_and_guarded() {
        let (c, stores) = client(&[("EDGEMCP_SQL_ALLOW_WRITES", "true")]);
        let tools = c.call("tools/list", json!({})).await;
        let execute = tools.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "sql_execute")
            .cloned()
            .unwrap();
        assert_eq!(execute["annotations"]["destructiveHint"], true);
        let done = call(&c, "sql_execute", json!({"statement": "INSERT INTO customers (id, name, email) VALUES (?1, ?2, ?3)", "params": [900, "New", "n@example.com"]})).await;
        assert_eq!(done["structuredContent"]["rows_affected"], 1);
        let rows = stores
            .sql
            .unwrap()
            .query(
                "SELECT name FROM customers WHERE id = ?1",
                &[SqlValue::Integer(900)],
                SqlLimits::rows(10),
            )
            .await
            .unwrap();
        assert_eq!(rows.rows, vec![vec![SqlValue::Text("New".into())]]);
        for statement in [
            "DROP TABLE customers",
            "SELECT 1",
            "ATTACH DATABASE 'x' AS y",
            "DELETE FROM customers; DROP TABLE customers",
        ] {
            assert!(
                error_text(&call(&c, "sql_execute", json!({"statement": statement})).await)
                    .contains("refused"),
                "{statement}"
            );
        }
    }

    pub(crate) async fn sql_export_writes_the_whole_result_or_nothing() {
        // A 1 KiB page budget: 250 rows take many pages.
        let (c, stores) = client(&[
            ("EDGEMCP_SQL_MAX_RESULT_BYTES", "1024"),
            ("EDGEMCP_SQL_EXPORT_MAX_ROWS", "250"),
        ]);
        let blobs = stores.blobs.clone().unwrap();
        let read = |key: &'static str| {
            let blobs = blobs.clone();
            async move {
                let object = blobs.get(key).await.unwrap();
                object.map(|o| String::from_utf8(o.body).unwrap())
            }
        };
        let done = call(
            &c,
            "sql_export",
            json!({"query": "SELECT id, name, email FROM customers", "format": "csv", "key": "exports/all.csv"}),
        )
        .await;
        assert_eq!(done["structuredContent"]["rows"], 250, "{done}");
        let csv = read("exports/all.csv")
            .await
            .expect("the export was written");
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 251);
        assert_eq!(lines[0], "id,name,email");
        assert_eq!(lines[1], "1,Customer 1,c1@example.com");
        assert_eq!(lines[250], "250,Customer 250,c250@example.com");
        assert_eq!(done["structuredContent"]["bytes"], csv.len());

        let done = call(
            &c,
            "sql_export",
            json!({"query": "SELECT id, name FROM customers WHERE id = ?1", "params": [2], "format": "jsonl", "key": "exports/two.jsonl"}),
        )
        .await;
        assert_eq!(
            done["structuredContent"]["content_type"],
            "application/jsonl"
        );
        let jsonl = read("exports/two.jsonl").await.unwrap();
        assert_eq!(jsonl, "{\"id\":2,\"name\":\"Customer 2\"}\n");

        // Refusals write nothing: a write statement, a key outside the store, too many rows.
        let (small, _) = client(&[("EDGEMCP_SQL_EXPORT_MAX_ROWS", "100")]);
        for (c, args, expected) in [
            (
                &c,
                json!({"query": "DELETE FROM customers", "format": "csv", "key": "exports/x.csv"}),
                "refused",
            ),
            (
                &c,
                json!({"query": "SELECT id FROM customers", "format": "csv", "key": "../x.csv"}),
                "not allowed",
            ),
            (
                &small,
                json!({"query": "SELECT id FROM customers", "format": "csv", "key": "exports/x.csv"}),
                "more than 100 rows",
            ),
        ] {
            let refused = call(c, "sql_export", args.clone()).await;
            assert!(error_text(&refused).contains(expected), "{args}: {refused}");
        }
        assert_eq!(
            read("exports/x.csv").await,
            None,
            "a refused export writes nothing"
        );
        let rows = stores
            .sql
            .unwrap()
            .query("SELECT id FROM customers", &[], SqlLimits::rows(1000))
            .await
            .unwrap();
        assert_eq!(rows.rows.len(), 250, "the refused DELETE deleted nothing");
    }

    /// A database whose queries never finish.
    struct Stuck;

    impl SqlDatabase for Stuck {
        fn capability(&self) -> SqlCapability {
            SqlCapability::default()
        }
        fn query<'a>(
            &'a self,
            _: &'a str,
            _: &'a [SqlValue],
            _: SqlLimits,
        ) -> BoxFuture<'a, edgemcp::Result<SqlRows>> {
            Box::pin(futures_util::future::pending())
        }
        fn execute<'a>(
            &'a self,
            _: &'a str,
            _: &'a [SqlValue],
        ) -> BoxFuture<'a, edgemcp::Result<SqlExecution>> {
            Box::pin(futures_util::future::pending())
        }
        fn tables(&self) -> BoxFuture<'_, edgemcp::Result<Vec<TableInfo>>> {
            Box::pin(async { Ok(vec![]) })
        }
        fn columns<'a>(&'a self, _: &'a str) -> BoxFuture<'a, edgemcp::Result<Vec<ColumnInfo>>> {
            Box::pin(async { Ok(vec![]) })
        }
    }

    pub(crate) async fn sql_queries_stop_at_the_time_limit() {
        let runtime = Runtime::new(ManualClock::new(0), ImmediateTimer, CountingRng::default());
        let stores = Stores {
            sql: Some(Arc::new(Stuck)),
            ..Stores::default()
        };
        let config = ToolkitConfig::from_vars(|n| {
            (n == "EDGEMCP_SQL_TIMEOUT_MS").then(|| "1500".to_owned())
        })
        .unwrap();
        let server = register(Server::builder("t", "1"), &stores, &config)
            .unwrap()
            .build(runtime)
            .unwrap();
        let c = Client::new(server, ProtocolVersion::V2025_06_18);
        let result = call(&c, "sql_query", json!({"query": "SELECT 1"})).await;
        assert!(error_text(&result).contains("longer than 1500 ms"));
    }

    pub(crate) async fn toolkits_can_be_switched_off() {
        let (c, _) = client(&[
            ("EDGEMCP_KV_ENABLED", "false"),
            ("EDGEMCP_BLOB_ENABLED", "off"),
        ]);
        let tools = c.call("tools/list", json!({})).await;
        let names: Vec<&str> = tools.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["sql_list_tables", "sql_describe_table", "sql_query"]
        );
    }
}
