//! No input makes the HTTP function panic: arbitrary bytes, arbitrary JSON, arbitrary
//! JSON-RPC calls and arbitrary headers all get a well-formed answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use edgemcp::http::HttpRequest;
use futures_executor::block_on;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2025-03-26"),
            Just("2026-07-28"),
            Just("ping"),
            Just("tools/call"),
            Just("add")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("jsonrpc".to_owned()),
                        Just("id".to_owned()),
                        Just("method".to_owned()),
                        Just("params".to_owned()),
                        Just("name".to_owned()),
                        Just("arguments".to_owned()),
                        Just("_meta".to_owned()),
                        Just("uri".to_owned()),
                        Just("cursor".to_owned()),
                        "[a-z]{1,6}",
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn arb_method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("initialize"),
        Just("ping"),
        Just("server/discover"),
        Just("tools/list"),
        Just("tools/call"),
        Just("resources/list"),
        Just("resources/templates/list"),
        Just("resources/read"),
        Just("prompts/list"),
        Just("prompts/get"),
        Just("completion/complete"),
        Just("logging/setLevel"),
        Just("notifications/cancelled"),
    ]
    .prop_map(str::to_owned)
    .boxed()
    .prop_union("[a-z/]{0,16}".boxed())
}

fn arb_version_header() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        Just("2025-03-26".to_owned()),
        Just("2025-06-18".to_owned()),
        Just("2025-11-25".to_owned()),
        Just("2026-07-28".to_owned()),
        ".{0,12}",
    ])
}

/// Sends and checks the answer is well formed: a known status, a JSON body when full.
fn exchange(req: HttpRequest) -> Seen {
    let seen = block_on(send(&fixture_with_instant_timeouts(), req));
    assert!(
        [200, 202, 204, 400, 403, 404, 405, 406, 413, 415].contains(&seen.status),
        "unexpected status {}",
        seen.status
    );
    for message in &seen.messages {
        assert!(
            message.is_object() || message.is_array(),
            "not a JSON-RPC message: {message}"
        );
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let seen = exchange(raw_post("", &[]).body(body));
        prop_assert!(seen.status == 200 || seen.status == 202 || seen.status == 400);
    }

    #[test]
    fn arbitrary_json(value in arb_json(), version in arb_version_header()) {
        let mut req = raw_post(&value.to_string(), &[]);
        if let Some(v) = version {
            req = req.header("mcp-protocol-version", v);
        }
        exchange(req);
    }

    #[test]
    fn arbitrary_calls(
        id in prop_oneof![any::<i64>().prop_map(|n| json!(n)), "[a-z0-9]{0,8}".prop_map(Value::String)],
        method in arb_method(),
        params in arb_json(),
        version in arb_version_header(),
        stateless_meta in any::<bool>(),
    ) {
        let mut params = match params { Value::Object(m) => Value::Object(m), _ => json!({}) };
        if stateless_meta {
            params["_meta"] = json!({
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "progressToken": "p",
                "io.modelcontextprotocol/logLevel": "debug"
            });
        }
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut req = raw_post(&body.to_string(), &[("mcp-method", method.as_str())]);
        if let Some(v) = version {
            req = req.header("mcp-protocol-version", v);
        }
        let seen = exchange(req);
        if seen.status != 202 {
            let response = seen.response();
            prop_assert!(response.get("result").is_some() != response.get("error").is_some(), "{response}");
            if response.get("result").is_some() {
                prop_assert_eq!(&response["id"], &id);
            }
        }
    }

    #[test]
    fn arbitrary_requests(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), Just("OPTIONS".to_owned()), "[A-Za-z]{0,7}"],
        path in prop_oneof![Just("/mcp".to_owned()), Just("/health".to_owned()), ".{0,16}"],
        headers in prop::collection::vec(
            (prop_oneof![Just("origin"), Just("accept"), Just("content-type"), Just("content-length"),
                         Just("mcp-protocol-version"), Just("mcp-method"), Just("mcp-name")].prop_map(str::to_owned),
             ".{0,24}"),
            0..6),
        body in ".{0,64}",
    ) {
        let mut req = HttpRequest::new(method, path).body(body.into_bytes());
        for (name, value) in headers {
            req = req.header(name, value);
        }
        exchange(req);
    }
}
