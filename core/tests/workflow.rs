//! Workflows: checked against their tools when the server is built, run at `prompts/get`
//! step by step with the caller's rights, stopping clearly when a step fails. The
//! toolkits' own workflows are tested against real stores by each host.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

scenarios!(
    a_chain_feeds_each_step_from_the_ones_before,
    a_failing_step_ends_the_chain_with_what_ran,
    a_handed_off_step_is_told_to_the_model,
    a_caller_without_the_scope_is_refused_as_for_the_tool,
    each_step_reports_progress_when_asked,
    results_past_the_byte_cap_stop_the_chain,
);

mod scenarios {
    use super::common::*;
    use edgemcp::auth::{ApiKeys, Auth};
    use edgemcp::runtime::Runtime;
    use edgemcp::workflow::{from, Step, Workflow};
    use edgemcp::{PromptArgument, Server, ServerBuilder, Tool, ToolResult};
    use serde_json::{json, Value};

    /// `lookup` {id: integer} → {name, city}; `weather` {city: string} → {forecast};
    /// `broken` always fails.
    fn builder() -> ServerBuilder {
        let lookup = Tool::untyped(
            "lookup",
            "A customer by id",
            json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"], "additionalProperties": false}),
            |args, _| async move {
                let id = args["id"].as_i64().unwrap_or_default();
                Ok(ToolResult::structured(json!({"name": format!("customer {id}"), "city": "Oslo", "orders": [{"name": "o1"}, {"name": "o2"}]})))
            },
        )
        .output_schema(json!({"type": "object", "properties": {
            "name": {"type": "string"}, "city": {"type": "string"},
            "orders": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
        }}));
        let weather = Tool::untyped(
            "weather",
            "The forecast for a city",
            json!({"type": "object", "properties": {"city": {"type": "string"}, "note": {"type": "string"}}, "required": ["city"]}),
            |args, _| async move {
                Ok(ToolResult::structured(json!({"forecast": format!("sun in {}{}", args["city"].as_str().unwrap_or_default(), args["note"].as_str().unwrap_or_default())})))
            },
        )
        .output_schema(json!({"type": "object", "properties": {"forecast": {"type": "string"}}}))
        .scopes(["weather:read"]);
        let broken = Tool::untyped(
            "broken",
            "Always fails",
            json!({"type": "object"}),
            |_, _| async { Ok(ToolResult::error("the upstream service said no")) },
        );
        fixture_builder().tool(lookup).tool(weather).tool(broken)
    }

    fn chain() -> Workflow {
        Workflow::new("brief", "A customer and their weather")
            .argument(PromptArgument::required("id", "The customer"))
            .step(Step::call("customer", "lookup").arg("id", from::constant(7)))
            .step(
                Step::call("forecast", "weather")
                    .arg("city", from::output("customer", "city"))
                    .arg(
                        "note",
                        from::template(" for {who}").text("who", from::output("customer", "name")),
                    ),
            )
            .step(
                Step::call("each", "weather")
                    .for_each(from::output("customer", "orders"))
                    .arg("city", from::item("name")),
            )
            .instruction("Write the brief.")
    }

    async fn get_prompt(
        server: &Server,
        name: &str,
        arguments: Value,
        token: Option<&str>,
    ) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "prompts/get", "params": {"name": name, "arguments": arguments}});
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("authorization", b.as_str()))
            .collect();
        let seen = post_both(server, &body.to_string(), &headers).await;
        seen.response().clone()
    }

    fn texts(result: &Value) -> Vec<String> {
        result["result"]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["content"]["text"].as_str().map(str::to_owned))
            .collect()
    }

    pub(crate) async fn a_chain_feeds_each_step_from_the_ones_before() {
        let server = builder()
            .workflow(chain())
            .build(Runtime::for_tests(0))
            .unwrap();
        let reply = get_prompt(&server, "brief", json!({"id": "7"}), None).await;
        let texts = texts(&reply);
        assert!(
            texts[0].starts_with("Step `customer` (lookup):"),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("sun in Oslo for customer 7")),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.contains("Step `each` (weather) for `o2`:")),
            "{texts:?}"
        );
        assert_eq!(texts.last().unwrap(), "Write the brief.");
        // Each structured result travels as an embedded JSON resource too.
        let resource = reply["result"]["messages"][1]["content"]["resource"].clone();
        assert_eq!(resource["uri"], "workflow://brief/customer");
        assert_eq!(
            serde_json::from_str::<Value>(resource["text"].as_str().unwrap()).unwrap()["city"],
            "Oslo"
        );
    }

    pub(crate) async fn a_failing_step_ends_the_chain_with_what_ran() {
        let workflow = Workflow::new("fails", "Fails in the middle")
            .step(Step::call("customer", "lookup").arg("id", from::constant(1)))
            .step(Step::call("oops", "broken"))
            .step(Step::call("never", "lookup").arg("id", from::constant(2)))
            .instruction("Never reached.");
        let server = builder()
            .workflow(workflow)
            .build(Runtime::for_tests(0))
            .unwrap();
        let texts = texts(&get_prompt(&server, "fails", json!({}), None).await);
        assert!(texts[0].contains("customer 1"), "{texts:?}");
        let last = texts.last().unwrap();
        assert!(
            last.contains(
                "stopped at step `oops` (broken), after 1 step ran: the upstream service said no"
            ),
            "{last}"
        );
        assert!(
            !texts
                .iter()
                .any(|t| t.contains("customer 2") || t.contains("Never reached")),
            "{texts:?}"
        );
    }

    pub(crate) async fn a_handed_off_step_is_told_to_the_model() {
        let workflow = Workflow::new("ask", "Looks up, then lets the model decide")
            .step(Step::call("customer", "lookup").arg("id", from::constant(3)))
            .step(
                Step::handoff("decide", "weather", "only if the user is travelling")
                    .arg("city", from::output("customer", "city")),
            );
        let server = builder()
            .workflow(workflow)
            .build(Runtime::for_tests(0))
            .unwrap();
        let texts = texts(&get_prompt(&server, "ask", json!({}), None).await);
        let last = texts.last().unwrap();
        assert_eq!(last, "Next, call the tool `weather` yourself with the arguments {\"city\":\"Oslo\"}: only if the user is travelling");
        assert!(
            !texts.iter().any(|t| t.contains("sun in")),
            "a handed-off step is not run"
        );
    }

    pub(crate) async fn a_caller_without_the_scope_is_refused_as_for_the_tool() {
        // The SHA-256 of "reader", a key granting mcp:read only.
        let hash = "3d0941964aa3ebdcb00ccef58b1bb399f9f898465e9886d5aec7f31090a0fb30";
        let keys = ApiKeys::from_hashes([hash], ["mcp:read"]).unwrap();
        let server = builder()
            .workflow(chain())
            .auth(Auth::new("https://mcp.example.com/mcp", keys))
            .build(Runtime::for_tests(0))
            .unwrap();
        let reply = get_prompt(&server, "brief", json!({"id": "7"}), Some("reader")).await;
        let direct = post_both(
            &server,
            &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "weather", "arguments": {"city": "Oslo"}}}).to_string(),
            &[("authorization", "Bearer reader")],
        )
        .await;
        assert_eq!(
            reply["error"]["code"],
            direct.response()["error"]["code"],
            "{reply} {:?}",
            direct.response()
        );
        assert!(
            reply["error"]["message"]
                .as_str()
                .unwrap()
                .contains("weather:read"),
            "{reply}"
        );
    }

    pub(crate) async fn each_step_reports_progress_when_asked() {
        use edgemcp::protocol::ProtocolVersion;
        let server = builder()
            .workflow(chain())
            .build(Runtime::for_tests(0))
            .unwrap();
        let client = Client::new(server, ProtocolVersion::V2025_11_25);
        let seen = client
            .call("prompts/get", json!({"name": "brief", "arguments": {"id": "7"}, "_meta": {"progressToken": "wf"}}))
            .await;
        let progress: Vec<(f64, String)> = seen
            .messages
            .iter()
            .filter(|m| m["method"] == "notifications/progress")
            .map(|m| {
                (
                    m["params"]["progress"].as_f64().unwrap(),
                    m["params"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        assert_eq!(
            progress,
            [
                (0.0, "step 1 of 3: customer".to_owned()),
                (1.0, "step 2 of 3: forecast".to_owned()),
                (2.0, "step 3 of 3: each".to_owned()),
                (3.0, "done".to_owned()),
            ]
        );
        assert!(seen
            .messages
            .iter()
            .all(|m| m["method"] != "notifications/progress" || m["params"]["total"] == 3.0));
        assert_eq!(
            seen.result()["messages"]
                .as_array()
                .unwrap()
                .last()
                .unwrap()["content"]["text"],
            "Write the brief."
        );
    }

    pub(crate) async fn results_past_the_byte_cap_stop_the_chain() {
        // Each `lookup` result is about 80 bytes of text and as much JSON: the third
        // call would pass 400 bytes.
        let workflow = Workflow::new("capped", "Many lookups")
            .step(Step::call("customer", "lookup").arg("id", from::constant(1)))
            .step(
                Step::call("again", "lookup")
                    .for_each(from::output("customer", "orders"))
                    .arg("id", from::constant(2)),
            )
            .instruction("Never reached.")
            .max_bytes(400);
        let server = builder()
            .workflow(workflow)
            .build(Runtime::for_tests(0))
            .unwrap();
        let texts = texts(&get_prompt(&server, "capped", json!({}), None).await);
        let last = texts.last().unwrap();
        assert!(
            last.contains("stopped at step `again` (lookup), after 1 step ran: its results would pass the 400 bytes this workflow may return"),
            "{texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("for `o1`")),
            "what fit is kept: {texts:?}"
        );
        assert!(!texts.iter().any(|t| t.contains("Never reached")));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn mistakes_fail_the_build_with_what_to_fix() {
        let cases: Vec<(Workflow, &str)> = vec![
            (Workflow::new("w", "d"), "Workflow `w`: it has no steps"),
            (
                Workflow::new("w", "d").step(Step::call("s", "nope")),
                "Workflow `w`, step `s`: calls `nope`, which is not a registered tool",
            ),
            (
                Workflow::new("w", "d").step(Step::call("s", "lookup")),
                "step `s`: `lookup` requires the argument `id`",
            ),
            (
                Workflow::new("w", "d").step(
                    Step::call("s", "lookup")
                        .arg("id", from::constant(1))
                        .arg("idd", from::constant(1)),
                ),
                "`lookup` takes no argument `idd`; its arguments are id",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("s", "lookup").arg("id", from::argument("who"))),
                "reads the prompt argument `who`, which the workflow does not declare",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "weather").arg("city", from::output("b", "city")))
                    .step(Step::call("b", "lookup").arg("id", from::constant(1))),
                "step `a`: reads step `b`, which runs later",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "lookup").arg("id", from::constant(1)))
                    .step(Step::call("b", "weather").arg("city", from::output("a", "town"))),
                "reads `town` of step `a`, but the outputSchema of `lookup` has no such field",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "lookup").arg("id", from::constant(1)))
                    .step(Step::call("b", "lookup").arg("id", from::output("a", "name"))),
                "argument `id` of `lookup` takes integer, but `name` of step `a` is string",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "broken"))
                    .step(Step::call("b", "weather").arg("city", from::output("a", "x"))),
                "`broken` declares no outputSchema",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "lookup").arg("id", from::constant(1)))
                    .step(
                        Step::call("b", "weather")
                            .for_each(from::output("a", "city"))
                            .arg("city", from::item("")),
                    ),
                "for_each reads `city` of step `a`, which is not a list",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("a", "lookup").arg("id", from::constant(1)))
                    .step(
                        Step::call("b", "weather")
                            .for_each(from::output("a", "orders"))
                            .arg("city", from::item("title")),
                    ),
                "the list's elements have no field `title`",
            ),
            (
                Workflow::new("w", "d")
                    .step(Step::call("s", "weather").arg("city", from::item("name"))),
                "from::item outside a for_each step",
            ),
            (
                Workflow::new("w", "d").step(Step::call("s", "weather").arg(
                    "city",
                    from::template("{a} {b}").text("a", from::constant("x")),
                )),
                "the template's {b} is given no value",
            ),
        ];
        for (workflow, expected) in cases {
            let err = builder()
                .workflow(workflow)
                .build(Runtime::for_tests(0))
                .unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "expected {expected:?} in {err}"
            );
        }
    }
}
