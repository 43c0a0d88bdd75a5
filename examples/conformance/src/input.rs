//! The multi-round fixtures (`test_input_required_result_*`): tools that ask the client
//! for input with an `input_required` result and finish on the retry that answers it.

use edgemcp::tool::InputRequired;
use edgemcp::{RequestContext, Tool, ToolResult};
use serde_json::{json, Value};

fn no_arguments() -> Value {
    json!({"type": "object", "properties": {}})
}

fn string_schema(field: &str) -> Value {
    json!({"type": "object", "properties": {field: {"type": "string"}}, "required": [field]})
}

fn ask_name() -> InputRequired {
    InputRequired::new().elicit("user_name", "What is your name?", string_schema("name"))
}

fn ask_capital() -> InputRequired {
    InputRequired::new().sample(
        "sample_request",
        json!({
            "messages": [{"role": "user", "content": {"type": "text", "text": "What is the capital of France?"}}],
            "maxTokens": 100
        }),
    )
}

/// The `field` of an accepted elicitation answer.
fn accepted<'a>(answer: Option<&'a Value>, field: &str) -> Option<&'a str> {
    let answer = answer?;
    if answer.get("action")? != "accept" {
        return None;
    }
    answer.get("content")?.get(field)?.as_str()
}

/// The text of a sampling answer.
fn sampled(answer: Option<&Value>) -> Option<&str> {
    answer?.get("content")?.get("text")?.as_str()
}

/// The roots of a roots answer.
fn roots(answer: Option<&Value>) -> Option<usize> {
    Some(answer?.get("roots")?.as_array()?.len())
}

fn tool<F>(name: &str, description: &str, run: F) -> Tool
where
    F: Fn(&RequestContext) -> ToolResult + Send + Sync + 'static,
{
    Tool::untyped(name, description, no_arguments(), move |_, cx| {
        let result = run(&cx);
        async move { Ok(result) }
    })
}

/// Every multi-round fixture tool.
pub(crate) fn tools() -> Vec<Tool> {
    vec![
        tool(
            "test_input_required_result_elicitation",
            "Asks the user's name, then greets",
            |cx| {
                match accepted(cx.input_response("user_name"), "name") {
                    Some(name) => ToolResult::text(format!("Hello, {name}!")),
                    // No answer, or one that is not an accepted name: ask (again).
                    None => ToolResult::input_required(ask_name()),
                }
            },
        ),
        tool(
            "test_input_required_result_sampling",
            "Asks the client's model a question",
            |cx| match sampled(cx.input_response("sample_request")) {
                Some(text) => ToolResult::text(format!("The model answered: {text}")),
                None => ToolResult::input_required(ask_capital()),
            },
        ),
        tool(
            "test_input_required_result_list_roots",
            "Asks for the client's roots",
            |cx| match roots(cx.input_response("roots_request")) {
                Some(count) => ToolResult::text(format!("The client has {count} root(s).")),
                None => {
                    ToolResult::input_required(InputRequired::new().list_roots("roots_request"))
                }
            },
        ),
        tool(
            "test_input_required_result_request_state",
            "Keeps state across rounds",
            |cx| {
                let kept = cx.request_state() == Some(&json!({"step": "confirm"}));
                if kept && cx.input_response("confirm").is_some() {
                    ToolResult::text("state-ok: requestState validated")
                } else {
                    ToolResult::input_required(
                    InputRequired::new()
                        .elicit("confirm", "Continue?", json!({"type": "object", "properties": {"ok": {"type": "boolean"}}}))
                        .state(json!({"step": "confirm"})),
                )
                }
            },
        ),
        tool(
            "test_input_required_result_multiple_inputs",
            "Asks for three things at once",
            |cx| {
                let name = accepted(cx.input_response("user_name"), "name");
                let text = sampled(cx.input_response("sample_request"));
                let count = roots(cx.input_response("roots_request"));
                match (name, text, count) {
                (Some(name), Some(text), Some(count)) => ToolResult::text(format!(
                    "{name} asked; the model said {text}; {count} root(s)."
                )),
                _ => ToolResult::input_required(
                    ask_name()
                        .sample("sample_request", json!({
                            "messages": [{"role": "user", "content": {"type": "text", "text": "Say hello."}}],
                            "maxTokens": 50
                        }))
                        .list_roots("roots_request")
                        .state(json!({"step": "multiple"})),
                ),
            }
            },
        ),
        tool(
            "test_input_required_result_multi_round",
            "Asks a name, then a color",
            |cx| {
                let round = cx
                    .request_state()
                    .and_then(|s| s.get("round"))
                    .and_then(Value::as_u64);
                match round {
                    Some(1) => match accepted(cx.input_response("user_name"), "name") {
                        Some(name) => ToolResult::input_required(
                            InputRequired::new()
                                .elicit(
                                    "favorite_color",
                                    "What is your favorite color?",
                                    string_schema("color"),
                                )
                                .state(json!({"round": 2, "name": name})),
                        ),
                        None => ToolResult::input_required(ask_name().state(json!({"round": 1}))),
                    },
                    Some(2) => {
                        let name = cx
                            .request_state()
                            .and_then(|s| s.get("name"))
                            .and_then(Value::as_str);
                        match (name, accepted(cx.input_response("favorite_color"), "color")) {
                            (Some(name), Some(color)) => {
                                ToolResult::text(format!("{name} likes {color}."))
                            }
                            _ => ToolResult::error("round 2 needs the favorite color; start again"),
                        }
                    }
                    _ => ToolResult::input_required(ask_name().state(json!({"round": 1}))),
                }
            },
        ),
        tool(
            "test_input_required_result_tampered_state",
            "Refuses a state the client altered",
            |cx| {
                // An altered state never reaches the tool: the server refuses the retry.
                if cx.request_state().is_some() {
                    ToolResult::text("the state came back intact")
                } else {
                    ToolResult::input_required(ask_name().state(json!({"step": "tamper-check"})))
                }
            },
        ),
        tool(
            "test_input_required_result_capabilities",
            "Asks only in ways the client supports",
            |cx| {
                if let Some(text) = sampled(cx.input_response("sample_request")) {
                    return ToolResult::text(format!("The model answered: {text}"));
                }
                if let Some(name) = accepted(cx.input_response("user_name"), "name") {
                    return ToolResult::text(format!("Hello, {name}!"));
                }
                let supports = |capability| cx.client_supports(capability) == Some(true);
                if supports("elicitation") {
                    ToolResult::input_required(ask_name())
                } else if supports("sampling") {
                    ToolResult::input_required(ask_capital())
                } else if supports("roots") {
                    ToolResult::input_required(InputRequired::new().list_roots("roots_request"))
                } else {
                    ToolResult::error("the client offers no way to ask it for input")
                }
            },
        ),
    ]
}

/// The multi-round prompt fixture: asks for context, then renders with it.
pub(crate) fn prompt() -> edgemcp::Prompt {
    use edgemcp::prompt::PromptReply;
    edgemcp::Prompt::asking(
        "test_input_required_result_prompt",
        "Asks the user for context, then renders a prompt with it",
        |_, cx| async move {
            Ok(
                match accepted(cx.input_response("user_context"), "context") {
                    Some(context) => PromptReply::Messages(vec![edgemcp::PromptMessage::user(
                        format!("Use this context: {context}"),
                    )]),
                    None => PromptReply::InputRequired(InputRequired::new().elicit(
                        "user_context",
                        "What context should the prompt use?",
                        string_schema("context"),
                    )),
                },
            )
        },
    )
}
