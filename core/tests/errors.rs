//! What clients see of failures: messages written for users pass through; internal and
//! storage failures arrive as a generic message with a correlation id, and the server's
//! log holds the detail under the same id.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    every_error_kind_is_classified_on_every_method,
    a_failing_store_reaches_clients_as_a_correlation_id,
);

mod scenarios {
    use super::common::*;
    use edgemcp::protocol::{ProtocolVersion, ResourceContents};
    use edgemcp::runtime::testing::CapturingLogger;
    use edgemcp::runtime::{BoxFuture, Runtime};
    use edgemcp::storage::{
        ColumnInfo, KvCapability, KvEntry, KvList, KvPut, KvStore, SqlCapability, SqlDatabase,
        SqlExecution, SqlLimits, SqlRows, SqlValue, TableInfo,
    };
    use edgemcp::toolkit::{register, Stores, ToolkitConfig};
    use edgemcp::{
        Error, ErrorKind, Prompt, PromptArgument, PromptMessage, ResourceTemplate, Server, Tool,
        ToolResult,
    };
    use serde_json::{json, Value};
    use std::sync::Arc;

    /// Every kind, and whether its message is for users.
    const KINDS: [(&str, ErrorKind, bool); 14] = [
        ("parse", ErrorKind::Parse, true),
        ("invalid_request", ErrorKind::InvalidRequest, true),
        ("method_not_found", ErrorKind::MethodNotFound, true),
        ("invalid_params", ErrorKind::InvalidParams, true),
        ("not_found", ErrorKind::NotFound, true),
        ("unauthorized", ErrorKind::Unauthorized, true),
        ("forbidden", ErrorKind::Forbidden, true),
        ("rate_limited", ErrorKind::RateLimited, true),
        ("unsupported", ErrorKind::Unsupported, true),
        ("timeout", ErrorKind::Timeout, true),
        ("storage", ErrorKind::Storage, false),
        ("upstream", ErrorKind::Upstream, false),
        ("config", ErrorKind::ConfigInvalid, false),
        ("internal", ErrorKind::Internal, false),
    ];

    /// Text only the server's log may hold.
    const DETAIL: &str = "open /var/lib/edgemcp/db.sqlite at 10.0.0.7 failed";

    fn raised(name: &str) -> Error {
        let (_, kind, _) = KINDS.iter().find(|(n, _, _)| *n == name).unwrap();
        Error::new(*kind, format!("{name}: {DETAIL}"))
    }

    /// A server whose tool, resource template and prompt each fail with the kind named.
    fn raising(logs: &CapturingLogger) -> Server {
        let tool = Tool::untyped(
            "raise",
            "Fails with the kind named",
            json!({"type": "object", "properties": {"kind": {"type": "string"}}}),
            |args, _| async move {
                Err::<ToolResult, _>(raised(args["kind"].as_str().unwrap_or_default()))
            },
        );
        let template = ResourceTemplate::new("raise://{kind}", "raise", |_, vars, _| async move {
            Err::<Vec<ResourceContents>, _>(raised(vars.get("kind").unwrap_or_default()))
        })
        .unwrap();
        let prompt = Prompt::new("raise", "Fails with the kind named", |args, _| async move {
            Err::<Vec<PromptMessage>, _>(raised(args.get("kind").map_or("", String::as_str)))
        })
        .argument(PromptArgument::required("kind", "the kind"));
        Server::builder("raising", "1.0.0")
            .tool(tool)
            .resource_template(template)
            .prompt(prompt)
            .build(Runtime::for_tests(0).with_logger(logs.clone()))
            .unwrap()
    }

    /// Checks `shown` is the generic message, and the log has the detail under its id.
    fn assert_correlated(shown: &str, logs: &CapturingLogger, what: &str) -> String {
        assert!(
            !shown.contains(DETAIL),
            "{what}: the detail leaked: {shown}"
        );
        let id = shown
            .split_whitespace()
            .map(|word| word.trim_end_matches('.'))
            .find(|word| word.len() == 16 && word.chars().all(|c| c.is_ascii_hexdigit()))
            .unwrap_or_else(|| panic!("{what}: no correlation id in {shown:?}"));
        let events = logs.events();
        let event = events
            .iter()
            .find(|e| e["correlation_id"] == id)
            .unwrap_or_else(|| panic!("{what}: no log event for {id} in {events:?}"));
        assert_eq!(event["level"], "error", "{what}");
        assert!(
            event["error"].as_str().unwrap().contains(DETAIL),
            "{what}: the log holds the detail: {event}"
        );
        id.to_owned()
    }

    pub(crate) async fn every_error_kind_is_classified_on_every_method() {
        let logs = CapturingLogger::default();
        let client = Client::new(raising(&logs), ProtocolVersion::V2025_11_25);
        let mut ids = Vec::new();
        for (name, kind, for_users) in KINDS {
            let what = format!("tools/call raising {name}");
            let seen = client
                .call(
                    "tools/call",
                    json!({"name": "raise", "arguments": {"kind": name}}),
                )
                .await;
            let result = seen.result();
            assert_eq!(result["isError"], true, "{what}");
            let text = result["content"][0]["text"].as_str().unwrap();
            if for_users {
                assert_eq!(text, raised(name).to_string(), "{what}");
            } else {
                ids.push(assert_correlated(text, &logs, &what));
            }

            let what = format!("resources/read raising {name}");
            let seen = client
                .call("resources/read", json!({"uri": format!("raise://{name}")}))
                .await;
            let error = &seen.response()["error"];
            let message = error["message"].as_str().unwrap();
            if kind == ErrorKind::NotFound {
                assert!(message.starts_with("Resource not found"), "{what}: {error}");
            } else if for_users {
                assert_eq!(message, raised(name).to_string(), "{what}");
                assert_eq!(error["code"], kind.jsonrpc_code(), "{what}");
            } else {
                let id = assert_correlated(message, &logs, &what);
                assert_eq!(error["data"]["correlationId"], id, "{what}");
                assert_eq!(error["code"], -32603, "{what}");
                ids.push(id);
            }

            let what = format!("prompts/get raising {name}");
            let seen = client
                .call(
                    "prompts/get",
                    json!({"name": "raise", "arguments": {"kind": name}}),
                )
                .await;
            let error = &seen.response()["error"];
            let message = error["message"].as_str().unwrap();
            if for_users {
                assert_eq!(message, raised(name).to_string(), "{what}");
            } else {
                let id = assert_correlated(message, &logs, &what);
                assert_eq!(error["data"]["correlationId"], id, "{what}");
                ids.push(id);
            }
        }
        assert_eq!(ids.len(), 12, "four internal kinds on three methods");
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "each failure has its own id");
        let logged = logs.events();
        assert!(logged.iter().all(|e| e["method"].is_string()), "{logged:?}");
        assert!(
            logged
                .iter()
                .any(|e| e["target"] == "raise://storage" && e["kind"] == "storage error"),
            "the log names the resource and the kind: {logged:?}"
        );
    }

    /// A store whose every call fails the way an unreachable database does.
    struct FailingStore;

    fn outage() -> Error {
        Error::storage(format!("the database failed: {DETAIL}")).set_temporary()
    }

    fn failing<T: 'static>() -> BoxFuture<'static, edgemcp::Result<T>> {
        Box::pin(async { Err(outage()) })
    }

    impl KvStore for FailingStore {
        fn capability(&self) -> KvCapability {
            edgemcp::storage::MemoryKv::new(Runtime::for_tests(0)).capability()
        }
        fn get<'a>(&'a self, _: &'a str) -> BoxFuture<'a, edgemcp::Result<Option<KvEntry>>> {
            failing()
        }
        fn put<'a>(
            &'a self,
            _: &'a str,
            _: Vec<u8>,
            _: KvPut,
        ) -> BoxFuture<'a, edgemcp::Result<()>> {
            failing()
        }
        fn delete<'a>(&'a self, _: &'a str) -> BoxFuture<'a, edgemcp::Result<()>> {
            failing()
        }
        fn list<'a>(
            &'a self,
            _: &'a str,
            _: Option<&'a str>,
            _: usize,
        ) -> BoxFuture<'a, edgemcp::Result<KvList>> {
            failing()
        }
    }

    impl SqlDatabase for FailingStore {
        fn capability(&self) -> SqlCapability {
            edgemcp::storage::testing::MemorySql::new().capability()
        }
        fn query<'a>(
            &'a self,
            _: &'a str,
            _: &'a [SqlValue],
            _: SqlLimits,
        ) -> BoxFuture<'a, edgemcp::Result<SqlRows>> {
            failing()
        }
        fn execute<'a>(
            &'a self,
            _: &'a str,
            _: &'a [SqlValue],
        ) -> BoxFuture<'a, edgemcp::Result<SqlExecution>> {
            failing()
        }
        fn tables(&self) -> BoxFuture<'_, edgemcp::Result<Vec<TableInfo>>> {
            failing()
        }
        fn columns<'a>(&'a self, _: &'a str) -> BoxFuture<'a, edgemcp::Result<Vec<ColumnInfo>>> {
            failing()
        }
    }

    pub(crate) async fn a_failing_store_reaches_clients_as_a_correlation_id() {
        let logs = CapturingLogger::default();
        let store = Arc::new(FailingStore);
        let stores = Stores {
            kv: Some(store.clone()),
            sql: Some(store),
            blobs: None,
        };
        let builder = register(
            Server::builder("failing", "1.0.0"),
            &stores,
            &ToolkitConfig::default(),
        )
        .unwrap();
        let server = builder
            .build(Runtime::for_tests(0).with_logger(logs.clone()))
            .unwrap();
        let client = Client::new(server, ProtocolVersion::V2026_07_28);
        for (name, arguments) in [
            ("kv_get", json!({"key": "orders"})),
            ("kv_put", json!({"key": "orders", "value": "1"})),
            ("sql_list_tables", json!({})),
            ("sql_query", json!({"query": "SELECT 1"})),
        ] {
            let seen = client
                .call("tools/call", json!({"name": name, "arguments": arguments}))
                .await;
            let result = seen.result();
            assert_eq!(result["isError"], true, "{name}: {result}");
            let text = result["content"][0]["text"].as_str().unwrap();
            assert!(
                text.contains("unavailable for now") && text.contains("try again"),
                "{name}: a temporary outage says so: {text}"
            );
            assert_correlated(text, &logs, name);
        }
        let seen = client
            .call("resources/read", json!({"uri": "sql://tables"}))
            .await;
        let error: &Value = &seen.response()["error"];
        let id = assert_correlated(error["message"].as_str().unwrap(), &logs, "sql://tables");
        assert_eq!(error["data"]["correlationId"], id);
        assert!(
            !seen.response().to_string().contains(DETAIL),
            "{}",
            seen.response()
        );
    }
}
