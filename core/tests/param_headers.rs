//! Tool parameters mirrored into `Mcp-Param-{Name}` headers (`x-mcp-header`, 2026-07-28):
//! the server checks each header against the argument it mirrors before the tool runs,
//! and refuses tools whose annotations break the rules when it is built.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    headers_that_match_their_arguments_pass,
    missing_extra_malformed_or_different_headers_are_refused,
    typed_tools_annotate_fields_with_schemars,
    bad_annotations_fail_the_build,
    browsers_may_send_mirrored_headers,
);

mod scenarios {
    use super::common::*;
    use edgemcp::http::HttpRequest;
    use edgemcp::protocol::ProtocolVersion;
    use edgemcp::runtime::Runtime;
    use edgemcp::{Server, Tool, ToolResult};
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::{json, Value};

    /// A tool with a string, an integer, a boolean and a nested mirrored parameter.
    fn server() -> Server {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "shard": {"type": "integer", "x-mcp-header": "Shard"},
                "dry_run": {"type": "boolean", "x-mcp-header": "Dry-Run"},
                "target": {"type": "object", "properties": {
                    "tenant": {"type": "string", "x-mcp-header": "Tenant"}
                }},
                "query": {"type": "string"}
            },
            "required": ["region", "query"]
        });
        let tool = Tool::untyped(
            "execute_sql",
            "Runs SQL in a region",
            schema,
            |args, _| async move {
                Ok(ToolResult::text(
                    args["region"].as_str().unwrap_or_default().to_owned(),
                ))
            },
        );
        fixture_builder()
            .tool(tool)
            .build(Runtime::for_tests(0))
            .unwrap()
    }

    /// A 2026-07-28 `tools/call` with `arguments` and extra headers.
    fn call(arguments: Value, headers: &[(&str, &str)]) -> HttpRequest {
        let client = Client::new(server(), ProtocolVersion::V2026_07_28);
        let mut req = client.request(
            "tools/call",
            json!({"name": "execute_sql", "arguments": arguments}),
        );
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        req
    }

    pub(crate) async fn headers_that_match_their_arguments_pass() {
        let server = server();
        let cases: [(Value, &[(&str, &str)]); 5] = [
            (
                json!({"region": "us-west1", "query": "q"}),
                &[("Mcp-Param-Region", "us-west1")],
            ),
            // Header names ignore case; values are compared after decoding.
            (
                json!({"region": "Hello, 世界", "query": "q"}),
                &[("mcp-param-region", "=?base64?SGVsbG8sIOS4lueVjA==?=")],
            ),
            (
                json!({"region": "eu", "shard": 42, "dry_run": false, "query": "q"}),
                &[
                    ("Mcp-Param-Region", "eu"),
                    ("Mcp-Param-Shard", "42"),
                    ("Mcp-Param-Dry-Run", "false"),
                ],
            ),
            (
                json!({"region": "eu", "target": {"tenant": "acme"}, "query": "q"}),
                &[("Mcp-Param-Region", "eu"), ("Mcp-Param-Tenant", "acme")],
            ),
            // Without both markers a value is literal text.
            (
                json!({"region": "=?base64?SGk=", "query": "q"}),
                &[("Mcp-Param-Region", "=?base64?SGk=")],
            ),
        ];
        for (arguments, headers) in cases {
            let seen = send(&server, call(arguments.clone(), headers)).await;
            assert_eq!(seen.status, 200, "{arguments}: {:?}", seen.messages);
            assert_eq!(
                seen.result()["content"][0]["text"],
                arguments["region"],
                "the tool ran with the body's arguments"
            );
        }
    }

    pub(crate) async fn missing_extra_malformed_or_different_headers_are_refused() {
        let server = server();
        let region = json!({"region": "us-west1", "query": "q"});
        type Case<'a> = (Value, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 7] = [
            (region.clone(), &[], "Mcp-Param-Region header is missing"),
            (
                region.clone(),
                &[("Mcp-Param-Region", "us-east1")],
                "says \"us-east1\"",
            ),
            (
                region.clone(),
                &[("Mcp-Param-Region", "=?base64?dXMtd2VzdDE?=")],
                "not valid =?base64?",
            ),
            (
                region.clone(),
                &[("Mcp-Param-Region", "=?base64?dXMt!!!?=")],
                "not valid =?base64?",
            ),
            (
                region.clone(),
                &[("Mcp-Param-Region", "us-wést1")],
                "characters a header value cannot carry",
            ),
            (
                region.clone(),
                &[("Mcp-Param-Region", "us-west1"), ("Mcp-Param-Shard", "3")],
                "arguments have no `shard`",
            ),
            (
                json!({"region": "eu", "target": {"tenant": "acme"}, "query": "q"}),
                &[("Mcp-Param-Region", "eu"), ("Mcp-Param-Tenant", "other")],
                "argument `target.tenant`",
            ),
        ];
        for (arguments, headers, expected) in cases {
            let seen = send(&server, call(arguments, headers)).await;
            assert_eq!(seen.status, 400, "{headers:?}");
            assert_eq!(seen.error_code(), -32020, "{headers:?}");
            let message = seen.response()["error"]["message"].as_str().unwrap();
            assert!(message.contains(expected), "{headers:?}: {message}");
        }
    }

    #[derive(Deserialize, JsonSchema)]
    struct Lookup {
        /// Where to look.
        #[schemars(extend("x-mcp-header" = "Region"))]
        region: String,
    }

    #[derive(Serialize, JsonSchema)]
    struct Found {
        region: String,
    }

    pub(crate) async fn typed_tools_annotate_fields_with_schemars() {
        let tool = Tool::typed("lookup", "Looks up", |args: Lookup, _| async move {
            Ok(Found {
                region: args.region,
            })
        });
        let server = fixture_builder()
            .tool(tool)
            .build(Runtime::for_tests(0))
            .unwrap();
        let client = Client::new(server.clone(), ProtocolVersion::V2026_07_28);
        let listed = client.call("tools/list", json!({})).await;
        let lookup = listed.result()["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "lookup")
            .unwrap();
        assert_eq!(
            lookup["inputSchema"]["properties"]["region"]["x-mcp-header"],
            "Region"
        );
        let params = json!({"name": "lookup", "arguments": {"region": "ap"}});
        let missing = send(&server, client.request("tools/call", params.clone())).await;
        assert_eq!(missing.error_code(), -32020);
        let ok = send(
            &server,
            client
                .request("tools/call", params)
                .header("Mcp-Param-Region", "ap"),
        )
        .await;
        assert_eq!(ok.status, 200);
    }

    pub(crate) async fn bad_annotations_fail_the_build() {
        let schema = json!({"type": "object", "properties": {"ratio": {"type": "number", "x-mcp-header": "Ratio"}}});
        let tool = Tool::untyped("bad", "Bad", schema, |_, _| async {
            Ok(ToolResult::text(""))
        });
        let err = fixture_builder()
            .tool(tool)
            .build(Runtime::for_tests(0))
            .unwrap_err();
        assert!(err.message().contains("tool `bad`"), "{err}");
        assert!(
            err.message().contains("string, integer or boolean"),
            "{err}"
        );
    }

    pub(crate) async fn browsers_may_send_mirrored_headers() {
        let preflight = HttpRequest::new("OPTIONS", "/mcp")
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, mcp-param-region, x-evil header",
            );
        let seen = send(&server(), preflight).await;
        assert_eq!(seen.status, 204);
        let allowed = seen.header("access-control-allow-headers").unwrap();
        assert!(allowed.ends_with(", mcp-param-region"), "{allowed}");
        assert!(!allowed.contains("evil"), "{allowed}");
    }
}
