//! The toolkits' workflows on the server `edgemcp` builds, over SQLite with the sample
//! store and the data folder's KV and objects: each gathers the real data, and a
//! read-only caller can run them while one without `mcp:read` cannot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{build_server, call_tool};
use edgemcp::http::HttpRequest;
use edgemcp::Server;
use serde_json::{json, Value};

/// A JSON-RPC request over Streamable HTTP (2025-11-25), with `token` as the bearer token
/// when given: the reply.
async fn post(server: &Server, method: &str, params: Value, token: Option<&str>) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut request = HttpRequest::new("POST", "/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    serde_json::from_slice(&server.handle_http(request).await.collect_body().await).unwrap()
}

/// `prompts/get`: the messages' texts, or the error.
async fn get_prompt(
    server: &Server,
    name: &str,
    arguments: Value,
    token: Option<&str>,
) -> Result<Vec<String>, Value> {
    let params = json!({"name": name, "arguments": arguments});
    let reply = post(server, "prompts/get", params, token).await;
    if reply.get("error").is_some() {
        return Err(reply["error"].clone());
    }
    Ok(reply["result"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"]["text"].as_str().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn each_toolkit_workflow_gathers_the_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = build_server(dir.path(), &[]).unwrap();
    call_tool(
        &server,
        "kv_put",
        json!({"key": "settings/theme", "value": "dark"}),
    )
    .await;
    call_tool(
        &server,
        "blob_put",
        json!({"key": "reports/q1.csv", "content": "a,b\n1,2\n", "content_type": "text/csv"}),
    )
    .await;

    let explored = get_prompt(&server, "explore_database", json!({}), None)
        .await
        .unwrap();
    let all = explored.join("\n");
    for table in ["customers", "orders", "order_items", "products"] {
        assert!(
            all.contains(&format!(
                "Step `columns` (sql_describe_table) for `{table}`"
            )),
            "{table}: {all}"
        );
        assert!(
            all.contains(&format!("Step `samples` (sql_query) for `{table}`")),
            "{table}: {all}"
        );
    }
    // Real rows of the sample store, not just their shape.
    assert!(
        all.contains("Lovelace") || all.contains("Hopper") || all.contains("Turing"),
        "{all}"
    );
    assert!(explored
        .last()
        .unwrap()
        .contains("Describe to the user what each table holds"));

    let inspected = get_prompt(
        &server,
        "inspect_table",
        json!({"table": "customers"}),
        None,
    )
    .await
    .unwrap();
    let all = inspected.join("\n");
    assert!(all.contains("row_count") && all.contains("50"), "{all}");
    assert!(all.contains("email"), "{all}");
    // A name that is not a table stops the chain at its first step, and a quote in it
    // cannot break out of the identifier.
    let odd = get_prompt(
        &server,
        "inspect_table",
        json!({"table": "x\" UNION SELECT 1 --"}),
        None,
    )
    .await
    .unwrap();
    assert!(
        odd.last().unwrap().contains("stopped at step `columns`"),
        "{odd:?}"
    );

    let kv = get_prompt(
        &server,
        "kv_inventory",
        json!({"prefix": "settings/"}),
        None,
    )
    .await
    .unwrap();
    let all = kv.join("\n");
    assert!(
        all.contains("settings/theme") && all.contains("dark"),
        "{all}"
    );

    let blobs = get_prompt(&server, "blob_inventory", json!({}), None)
        .await
        .unwrap();
    let all = blobs.join("\n");
    assert!(
        all.contains("reports/q1.csv") && all.contains("text/csv"),
        "{all}"
    );
}

#[tokio::test]
async fn workflows_keep_the_callers_rights_and_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    // The SHA-256 of the key "reader".
    let reader = "3d0941964aa3ebdcb00ccef58b1bb399f9f898465e9886d5aec7f31090a0fb30";
    let vars = [
        ("EDGEMCP_AUTH_MODE", "api_key"),
        ("EDGEMCP_AUTH_AUDIENCE", "https://mcp.example.com/mcp"),
        ("EDGEMCP_AUTH_API_KEYS", reader),
        ("EDGEMCP_AUTH_API_KEY_SCOPES", "mcp:read"),
    ];
    let server = build_server(dir.path(), &vars).unwrap();
    let explored = get_prompt(&server, "explore_database", json!({}), Some("reader"))
        .await
        .unwrap();
    assert!(explored.join("\n").contains("customers"));

    let writer_only = build_server(
        dir.path(),
        &[
            ("EDGEMCP_AUTH_API_KEY_SCOPES", "mcp:write"),
            vars[0],
            vars[1],
            vars[2],
        ],
    )
    .unwrap();
    let refused = get_prompt(&writer_only, "explore_database", json!({}), Some("reader"))
        .await
        .unwrap_err();
    let direct = call_tool_as(&writer_only, "sql_list_tables", "reader").await;
    assert_eq!(
        refused["code"], direct["error"]["code"],
        "{refused} {direct}"
    );
    assert!(
        refused["message"].as_str().unwrap().contains("mcp:read"),
        "{refused}"
    );

    let off = build_server(dir.path(), &[("EDGEMCP_WORKFLOWS_ENABLED", "false")]).unwrap();
    // With no workflow the toolkit server has no prompts at all.
    let missing = get_prompt(&off, "explore_database", json!({}), None)
        .await
        .unwrap_err();
    assert_eq!(missing["code"], -32601, "{missing}");
}

async fn call_tool_as(server: &Server, name: &str, token: &str) -> Value {
    post(
        server,
        "tools/call",
        json!({"name": name, "arguments": {}}),
        Some(token),
    )
    .await
}
