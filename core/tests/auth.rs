//! Access control on the HTTP function: API keys, challenges, RFC 9728 metadata, scopes
//! per tool, and the identity handlers see. Every host serves this same function.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    metadata_is_served_at_both_well_known_paths,
    missing_bad_and_misplaced_tokens_are_refused_with_challenges,
    scopes_decide_what_a_caller_sees_and_calls,
    the_toolkits_need_read_and_write_scopes,
    tenants_are_confined_to_their_own_keys,
    without_auth_nothing_changes,
);

mod scenarios {
    use super::common::*;
    use edgemcp::auth::{ApiKeys, Auth};
    use edgemcp::http::HttpRequest;
    use edgemcp::runtime::Runtime;
    use edgemcp::{Server, Tool, ToolResult};
    use serde_json::json;

    /// SHA-256 of "secret-key".
    const KEY_HASH: &str = "85dbe15d75ef9308c7ae0f33c7a324cc6f4bf519a2ed2f3027bd33c140a4f9aa";
    const RESOURCE: &str = "https://mcp.example.com/mcp";
    const METADATA_URL: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

    fn server(key_scopes: &[&str]) -> Server {
        let keys = ApiKeys::from_hashes([KEY_HASH], key_scopes.iter().copied()).unwrap();
        let auth = Auth::new(RESOURCE, keys)
            .authorization_server("https://auth.example.com")
            .scopes_supported(["mcp:read", "mcp:write"]);
        let whoami = Tool::untyped(
            "whoami",
            "Who is calling",
            json!({"type": "object"}),
            |_, cx| async move {
                let who = cx.identity().map(|i| i.subject.clone()).unwrap_or_default();
                Ok(ToolResult::text(who))
            },
        )
        .scopes(["mcp:read"]);
        let change = Tool::untyped(
            "change",
            "Changes things",
            json!({"type": "object"}),
            |_, _| async { Ok(ToolResult::text("changed")) },
        )
        .scopes(["mcp:write"]);
        fixture_builder()
            .tool(whoami)
            .tool(change)
            .auth(auth)
            .build(Runtime::for_tests(0))
            .unwrap()
    }

    fn call(name: &str) -> String {
        json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": {}}})
            .to_string()
    }

    fn list() -> String {
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}).to_string()
    }

    const BEARER: (&str, &str) = ("authorization", "Bearer secret-key");

    pub(crate) async fn metadata_is_served_at_both_well_known_paths() {
        let server = server(&["mcp:read"]);
        for path in [
            "/.well-known/oauth-protected-resource",
            "/.well-known/oauth-protected-resource/mcp",
        ] {
            let seen = send(&server, HttpRequest::new("GET", path)).await;
            assert_eq!(seen.status, 200, "{path}");
            let doc = seen.response();
            assert_eq!(doc["resource"], RESOURCE);
            assert_eq!(
                doc["authorization_servers"],
                json!(["https://auth.example.com"])
            );
            assert_eq!(doc["scopes_supported"], json!(["mcp:read", "mcp:write"]));
            assert_eq!(doc["bearer_methods_supported"], json!(["header"]));
        }
        let other = send(
            &server,
            HttpRequest::new("GET", "/.well-known/oauth-protected-resource/elsewhere"),
        )
        .await;
        assert_eq!(other.status, 404);
    }

    pub(crate) async fn missing_bad_and_misplaced_tokens_are_refused_with_challenges() {
        let server = server(&["mcp:read"]);
        let missing = send(&server, raw_post(&list(), &[])).await;
        assert_eq!(missing.status, 401);
        assert_eq!(
            missing.header("www-authenticate"),
            Some(format!("Bearer resource_metadata=\"{METADATA_URL}\"").as_str())
        );

        for bad in ["Bearer wrong-key", "Basic c2VjcmV0LWtleQ==", "Bearer "] {
            let refused = send(&server, raw_post(&list(), &[("authorization", bad)])).await;
            assert_eq!(refused.status, 401, "{bad}");
            let challenge = refused.header("www-authenticate").unwrap();
            assert!(
                challenge.starts_with(&format!("Bearer resource_metadata=\"{METADATA_URL}\"")),
                "{challenge}"
            );
            assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
            assert!(
                !challenge.contains("wrong-key"),
                "a challenge never repeats the token"
            );
        }

        let mut in_query = raw_post(&list(), &[BEARER]);
        in_query.path = "/mcp?access_token=secret-key".into();
        let refused = send(&server, in_query).await;
        assert_eq!(refused.status, 400);
        assert!(refused
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_request\""));

        let ok = send(&server, raw_post(&list(), &[BEARER])).await;
        assert_eq!(ok.status, 200);
    }

    fn names(seen: &Seen) -> Vec<String> {
        seen.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect()
    }

    pub(crate) async fn scopes_decide_what_a_caller_sees_and_calls() {
        let reader = server(&["mcp:read"]);
        let listed = send(&reader, raw_post(&list(), &[BEARER])).await;
        let seen = names(&listed);
        assert!(seen.contains(&"whoami".to_owned()));
        assert!(
            !seen.contains(&"change".to_owned()),
            "a tool the caller cannot call is hidden: {seen:?}"
        );

        let who = send(&reader, raw_post(&call("whoami"), &[BEARER])).await;
        assert_eq!(who.result()["content"][0]["text"], "api-key:85dbe15d");

        let refused = send(&reader, raw_post(&call("change"), &[BEARER])).await;
        assert_eq!(refused.status, 403);
        assert_eq!(refused.response()["id"], 9);
        let challenge = refused.header("www-authenticate").unwrap();
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        assert!(challenge.contains("scope=\"mcp:write\""), "{challenge}");

        // Streaming (a progress token) does not get around it.
        let streamed = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "change", "arguments": {}, "_meta": {"progressToken": 1}}});
        assert_eq!(
            send(&reader, raw_post(&streamed.to_string(), &[BEARER]))
                .await
                .status,
            403
        );

        let writer = server(&["mcp:read", "mcp:write"]);
        assert!(names(&send(&writer, raw_post(&list(), &[BEARER])).await)
            .contains(&"change".to_owned()));
        let changed = send(&writer, raw_post(&call("change"), &[BEARER])).await;
        assert_eq!(changed.result()["content"][0]["text"], "changed");
    }

    pub(crate) async fn the_toolkits_need_read_and_write_scopes() {
        use edgemcp::storage::{MemoryBlobs, MemoryKv};
        use edgemcp::toolkit::{register, Stores, ToolkitConfig};
        use std::sync::Arc;
        let runtime = Runtime::for_tests(0);
        let stores = Stores {
            kv: Some(Arc::new(MemoryKv::new(runtime.clone()))),
            sql: None,
            blobs: Some(Arc::new(MemoryBlobs::new(runtime.clone()))),
        };
        let keys = ApiKeys::from_hashes([KEY_HASH], ["mcp:read"]).unwrap();
        let builder = Server::builder("toolkits", "1").auth(Auth::new(RESOURCE, keys));
        let server = register(builder, &stores, &ToolkitConfig::default())
            .unwrap()
            .build(runtime)
            .unwrap();
        let mut seen = names(&send(&server, raw_post(&list(), &[BEARER])).await);
        seen.sort();
        assert_eq!(
            seen,
            ["blob_get", "blob_head", "blob_list", "kv_get", "kv_list"]
        );
        let put = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "kv_put", "arguments": {"key": "k", "value": "v"}}});
        assert_eq!(
            send(&server, raw_post(&put.to_string(), &[BEARER]))
                .await
                .status,
            403
        );
    }

    /// With tenant isolation, each key's tenant (a verified fact, not a client header)
    /// confines its KV keys and objects; a caller without a tenant is refused.
    pub(crate) async fn tenants_are_confined_to_their_own_keys() {
        use edgemcp::storage::{MemoryBlobs, MemoryKv};
        use edgemcp::toolkit::{register, Stores, ToolkitConfig};
        use std::sync::Arc;
        const OTHER_HASH: &str = "580843d03d2216ff1a275d0991bad66e4d1af871171d929e9de604b7959f9bca";
        let runtime = Runtime::for_tests(0);
        let kv = Arc::new(MemoryKv::new(runtime.clone()));
        let stores = Stores {
            kv: Some(kv.clone()),
            sql: None,
            blobs: Some(Arc::new(MemoryBlobs::new(runtime.clone()))),
        };
        let keys = ApiKeys::from_hashes(
            [format!("{KEY_HASH}:acme"), format!("{OTHER_HASH}:globex")],
            ["mcp:read", "mcp:write"],
        )
        .unwrap();
        let mut config = ToolkitConfig::default();
        config.tenant_isolation = true;
        let builder = Server::builder("tenants", "1").auth(Auth::new(RESOURCE, keys));
        let server = register(builder, &stores, &config)
            .unwrap()
            .build(runtime)
            .unwrap();
        let call = |name: &str, arguments: serde_json::Value| {
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": name, "arguments": arguments}})
            .to_string()
        };
        let acme = ("authorization", "Bearer secret-key");
        let globex = ("authorization", "Bearer other-key");
        // A revision with structured results.
        const V: (&str, &str) = ("mcp-protocol-version", "2025-11-25");

        let put = send(
            &server,
            raw_post(
                &call("kv_put", json!({"key": "plan", "value": "acme's"})),
                &[acme, V],
            ),
        )
        .await;
        assert_eq!(
            put.result()["isError"],
            serde_json::Value::Null,
            "{}",
            put.response()
        );
        assert!(
            is_stored(&*kv, "tenants/acme/plan").await,
            "stored under the tenant's prefix"
        );

        let theirs = send(
            &server,
            raw_post(&call("kv_get", json!({"key": "plan"})), &[globex, V]),
        )
        .await;
        assert_eq!(
            theirs.result()["structuredContent"]["found"],
            false,
            "{}",
            theirs.response()
        );
        let mine = send(
            &server,
            raw_post(&call("kv_get", json!({"key": "plan"})), &[acme, V]),
        )
        .await;
        assert_eq!(mine.result()["structuredContent"]["value"], "acme's");
        let listed = send(&server, raw_post(&call("kv_list", json!({})), &[globex, V])).await;
        assert_eq!(listed.result()["structuredContent"]["keys"], json!([]));

        send(
            &server,
            raw_post(
                &call("blob_put", json!({"key": "a.txt", "content": "x"})),
                &[acme, V],
            ),
        )
        .await;
        let objects = send(&server, raw_post(&call("blob_list", json!({})), &[acme, V])).await;
        assert_eq!(
            objects.result()["structuredContent"]["objects"][0]["key"],
            "a.txt"
        );
        let none = send(
            &server,
            raw_post(&call("blob_list", json!({})), &[globex, V]),
        )
        .await;
        assert_eq!(none.result()["structuredContent"]["objects"], json!([]));

        // A key with no tenant gets no shared space.
        let keys = ApiKeys::from_hashes([KEY_HASH], ["mcp:read", "mcp:write"]).unwrap();
        let builder = Server::builder("tenants", "1").auth(Auth::new(RESOURCE, keys));
        let runtime = Runtime::for_tests(0);
        let stores = Stores {
            kv: Some(Arc::new(MemoryKv::new(runtime.clone()))),
            sql: None,
            blobs: None,
        };
        let untenanted = register(builder, &stores, &config)
            .unwrap()
            .build(runtime)
            .unwrap();
        let refused = send(
            &untenanted,
            raw_post(&call("kv_get", json!({"key": "plan"})), &[acme, V]),
        )
        .await;
        assert_eq!(refused.result()["isError"], true);
        assert!(refused.result()["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("no verified tenant"));
    }

    async fn is_stored(kv: &dyn edgemcp::storage::KvStore, key: &str) -> bool {
        kv.get(key).await.unwrap().is_some()
    }

    pub(crate) async fn without_auth_nothing_changes() {
        let server = fixture();
        assert!(server.auth().is_none());
        let seen = send(&server, raw_post(&list(), &[])).await;
        assert_eq!(seen.status, 200);
        let metadata = send(
            &server,
            HttpRequest::new("GET", "/.well-known/oauth-protected-resource"),
        )
        .await;
        assert_eq!(metadata.status, 404);
    }
}
