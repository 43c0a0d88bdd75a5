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
    every_bare_entry_point_needs_a_caller,
    sealed_state_opens_only_for_its_caller_before_it_expires,
);

mod scenarios {
    use super::common::*;
    use edgemcp::auth::{ApiKeys, Auth};
    use edgemcp::http::HttpRequest;
    use edgemcp::runtime::Runtime;
    use edgemcp::{Outcome, Server, Tool, ToolResult};
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
        let missing = post_both(&server, &list(), &[]).await;
        assert_eq!(missing.status, 401);
        assert_eq!(
            missing.header("www-authenticate"),
            Some(format!("Bearer resource_metadata=\"{METADATA_URL}\"").as_str())
        );

        for bad in ["Bearer wrong-key", "Basic c2VjcmV0LWtleQ==", "Bearer "] {
            let refused = post_both(&server, &list(), &[("authorization", bad)]).await;
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

        let ok = post_both(&server, &list(), &[BEARER]).await;
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
        let listed = post_both(&reader, &list(), &[BEARER]).await;
        let seen = names(&listed);
        assert!(seen.contains(&"whoami".to_owned()));
        assert!(
            !seen.contains(&"change".to_owned()),
            "a tool the caller cannot call is hidden: {seen:?}"
        );

        let who = post_both(&reader, &call("whoami"), &[BEARER]).await;
        assert_eq!(who.result()["content"][0]["text"], "api-key:85dbe15d");

        let refused = post_both(&reader, &call("change"), &[BEARER]).await;
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
            post_both(&reader, &streamed.to_string(), &[BEARER])
                .await
                .status,
            403
        );

        let writer = server(&["mcp:read", "mcp:write"]);
        assert!(names(&post_both(&writer, &list(), &[BEARER]).await).contains(&"change".to_owned()));
        let changed = post_both(&writer, &call("change"), &[BEARER]).await;
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
        let mut seen = names(&post_both(&server, &list(), &[BEARER]).await);
        seen.sort();
        assert_eq!(
            seen,
            ["blob_get", "blob_head", "blob_list", "kv_get", "kv_list"]
        );
        let put = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "kv_put", "arguments": {"key": "k", "value": "v"}}});
        assert_eq!(
            post_both(&server, &put.to_string(), &[BEARER]).await.status,
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

        let theirs = post_both(
            &server,
            &call("kv_get", json!({"key": "plan"})),
            &[globex, V],
        )
        .await;
        assert_eq!(
            theirs.result()["structuredContent"]["found"],
            false,
            "{}",
            theirs.response()
        );
        let mine = post_both(&server, &call("kv_get", json!({"key": "plan"})), &[acme, V]).await;
        assert_eq!(mine.result()["structuredContent"]["value"], "acme's");
        let listed = post_both(&server, &call("kv_list", json!({})), &[globex, V]).await;
        assert_eq!(listed.result()["structuredContent"]["keys"], json!([]));

        send(
            &server,
            raw_post(
                &call("blob_put", json!({"key": "a.txt", "content": "x"})),
                &[acme, V],
            ),
        )
        .await;
        let objects = post_both(&server, &call("blob_list", json!({})), &[acme, V]).await;
        assert_eq!(
            objects.result()["structuredContent"]["objects"][0]["key"],
            "a.txt"
        );
        let none = post_both(&server, &call("blob_list", json!({})), &[globex, V]).await;
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
        let refused = post_both(
            &untenanted,
            &call("kv_get", json!({"key": "plan"})),
            &[acme, V],
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

    /// `handle_message` and `handle_request` refuse as `handle_incoming` and HTTP do; a
    /// trusted peer skips access control, and a verified identity keeps its scopes.
    pub(crate) async fn every_bare_entry_point_needs_a_caller() {
        use edgemcp::auth::Identity;
        use edgemcp::jsonrpc::{parse, Incoming, Message};
        use edgemcp::Caller;
        let server = server(&["mcp:read"]);
        let message = |body: &str| match parse(body.as_bytes()) {
            Incoming::Single(Ok(message)) => message,
            _ => unreachable!(),
        };
        let request = |body: &str| match message(body) {
            Message::Request(request) => request,
            _ => unreachable!(),
        };
        let text = |reply: &edgemcp::Reply| serde_json::to_value(&reply.response).unwrap();

        let refused = server
            .handle_message(message(&call("whoami")), None, None, Caller::anonymous())
            .await
            .unwrap();
        assert_eq!(refused.http_status, 401);
        assert_eq!(text(&refused)["id"], 9, "the refusal answers the request");
        assert!(text(&refused)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"));
        let refused = server
            .handle_request(
                request(&call("whoami")),
                None,
                None,
                Caller::bearer("wrong"),
            )
            .await;
        assert_eq!(refused.http_status, 401);
        // A notification from a refused caller is answered too, as HTTP answers it.
        let note = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
        let refused = server
            .handle_message(message(note), None, None, Caller::anonymous())
            .await
            .expect("a refusal");
        assert_eq!(refused.http_status, 401);
        // A batch is refused as a whole.
        let batch = format!("[{},{}]", call("whoami"), list());
        match server
            .handle_incoming(parse(batch.as_bytes()), None, Caller::anonymous())
            .await
        {
            Outcome::One(reply) => assert_eq!(reply.http_status, 401),
            other => panic!("{other:?}"),
        }

        let who = server
            .handle_request(
                request(&call("whoami")),
                None,
                None,
                Caller::bearer("secret-key"),
            )
            .await;
        assert_eq!(
            text(&who)["result"]["content"][0]["text"],
            "api-key:85dbe15d"
        );

        // stdio's way: no checks, and no identity.
        let trusted = server
            .handle_request(request(&call("change")), None, None, Caller::trusted())
            .await;
        assert_eq!(text(&trusted)["result"]["content"][0]["text"], "changed");

        // An identity the transport verified: its scopes decide.
        let reader = Identity::new("gateway-user").with_scopes(["mcp:read"]);
        let denied = server
            .handle_request(
                request(&call("change")),
                None,
                None,
                Caller::verified(reader.clone()),
            )
            .await;
        assert_eq!(denied.http_status, 403);
        let seen = server
            .handle_request(
                request(&call("whoami")),
                None,
                None,
                Caller::verified(reader),
            )
            .await;
        assert_eq!(text(&seen)["result"]["content"][0]["text"], "gateway-user");
    }

    /// A multi-round call's `requestState` replayed by another caller, by the same
    /// subject in another tenant, after it expired, or with one byte changed: refused.
    pub(crate) async fn sealed_state_opens_only_for_its_caller_before_it_expires() {
        use edgemcp::auth::Identity;
        use edgemcp::protocol::ProtocolVersion;
        use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
        use edgemcp::tool::InputRequired;
        use edgemcp::Caller;
        use std::time::Duration;
        const OTHER_HASH: &str = "580843d03d2216ff1a275d0991bad66e4d1af871171d929e9de604b7959f9bca";
        const THIRD_HASH: &str = "c3459480502070372835c7c5cc038c81d457d1fe08de10d76fb5bbb4b7d6af8c";
        let keys = ApiKeys::from_hashes(
            [
                format!("{KEY_HASH}:acme"),
                format!("{OTHER_HASH}:acme"),
                format!("{THIRD_HASH}:globex"),
            ],
            ["mcp:read"],
        )
        .unwrap();
        // Answers once it gets its own state back; asks otherwise.
        let confirm = Tool::untyped(
            "confirm",
            "Asks before it acts",
            json!({"type": "object"}),
            |_, cx| async move {
                Ok(match cx.request_state() {
                    Some(state) => ToolResult::text(format!("confirmed {}", state["order"])),
                    None => ToolResult::input_required(
                        InputRequired::new()
                            .elicit("ok", "Proceed?", json!({"type": "object"}))
                            .state(json!({"order": 42})),
                    ),
                })
            },
        )
        .scopes(["mcp:read"]);
        let clock = ManualClock::new(1_000_000);
        let server = Server::builder("sealed", "1")
            .tool(confirm)
            .auth(Auth::new(RESOURCE, keys))
            .state_ttl(Duration::from_secs(60))
            .build(Runtime::new(
                clock.clone(),
                NeverTimer,
                CountingRng::default(),
            ))
            .unwrap();
        let client = Client::new(server.clone(), ProtocolVersion::V2026_07_28);
        let call = |key: &str, state: Option<&str>| {
            let mut params = json!({"name": "confirm", "arguments": {}});
            if let Some(state) = state {
                params["requestState"] = json!(state);
                params["inputResponses"] = json!({"ok": {"action": "accept", "content": {}}});
            }
            let request = client
                .request("tools/call", params)
                .header("authorization", format!("Bearer {key}"));
            let server = server.clone();
            async move { send(&server, request).await }
        };
        let first = call("secret-key", None).await;
        let state = first.result()["requestState"].as_str().unwrap().to_owned();

        let mine = call("secret-key", Some(&state)).await;
        assert_eq!(mine.result()["content"][0]["text"], "confirmed 42");

        let refusal = |seen: &Seen| {
            assert_eq!(seen.error_code(), -32602, "{}", seen.response());
            seen.response()["error"]["message"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        // Another key of the same tenant, and a key of another tenant.
        for key in ["other-key", "third-key"] {
            let message = refusal(&call(key, Some(&state)).await);
            assert!(message.contains("another caller"), "{key}: {message}");
        }
        // One byte changed, anywhere: payload, separator, tag.
        for at in [
            3,
            state.len() / 2,
            state.find('.').unwrap(),
            state.len() - 2,
        ] {
            let mut bytes = state.clone().into_bytes();
            bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
            let changed = String::from_utf8(bytes).unwrap();
            let message = refusal(&call("secret-key", Some(&changed)).await);
            assert!(message.contains("integrity check"), "byte {at}: {message}");
        }

        // The same subject in another tenant, through the bare entry point.
        let retry = |caller: Caller| {
            let body = json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {
                "name": "confirm", "arguments": {}, "requestState": state,
                "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                          "io.modelcontextprotocol/clientCapabilities": {}}}});
            let server = server.clone();
            async move {
                let incoming = edgemcp::jsonrpc::parse(body.to_string().as_bytes());
                match server.handle_incoming(incoming, None, caller).await {
                    Outcome::One(reply) => serde_json::to_value(&reply.response).unwrap(),
                    other => panic!("{other:?}"),
                }
            }
        };
        let mut same_subject = Identity::new("api-key:85dbe15d").with_scopes(["mcp:read"]);
        same_subject.tenant = Some("acme".into());
        let accepted = retry(Caller::verified(same_subject.clone())).await;
        assert_eq!(accepted["result"]["content"][0]["text"], "confirmed 42");
        same_subject.tenant = Some("globex".into());
        let moved = retry(Caller::verified(same_subject)).await;
        assert!(moved["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another caller"));

        // Valid for the 60 s configured, refused after.
        clock.advance(Duration::from_secs(60));
        let still = call("secret-key", Some(&state)).await;
        assert_eq!(still.result()["content"][0]["text"], "confirmed 42");
        clock.advance(Duration::from_secs(1));
        let message = refusal(&call("secret-key", Some(&state)).await);
        assert!(message.contains("expired 1 s ago"), "{message}");
    }

    pub(crate) async fn without_auth_nothing_changes() {
        let server = fixture();
        assert!(server.auth().is_none());
        let seen = post_both(&server, &list(), &[]).await;
        assert_eq!(seen.status, 200);
        let metadata = send(
            &server,
            HttpRequest::new("GET", "/.well-known/oauth-protected-resource"),
        )
        .await;
        assert_eq!(metadata.status, 404);
    }
}
