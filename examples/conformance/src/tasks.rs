//! The fixtures of the suite's `tasks-*` scenarios (the `io.modelcontextprotocol/tasks`
//! extension): a quick tool that never becomes a task, and tools that run as tasks,
//! fail either way, or ask the client for input while they run.

use edgemcp::tool::{InputRequired, TaskSupport};
use edgemcp::{Error, RequestContext, Tool, ToolResult};
use futures_util::future::{select, Either};
use serde_json::{json, Value};
use std::time::Duration;

/// Waits `duration`, or less when the task is cancelled; `false` when it was.
async fn pause(cx: &RequestContext, duration: Duration) -> bool {
    let sleep = cx.runtime().sleep(duration);
    let cancelled = std::pin::pin!(cx.cancelled());
    matches!(select(sleep, cancelled).await, Either::Left(_))
}

fn no_arguments() -> Value {
    json!({"type": "object", "properties": {}})
}

/// An accepted elicitation answer's `content`.
fn accepted(answer: Option<&Value>) -> Option<&Value> {
    let answer = answer?;
    (answer.get("action")? == "accept").then_some(answer.get("content")?)
}

/// Every task fixture tool.
pub(crate) fn tools() -> Vec<Tool> {
    vec![
        Tool::untyped(
            "greet",
            "Greets `name` at once (never a task).",
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
            |args, _| async move {
                let name = args["name"].as_str().unwrap_or_default();
                Ok(ToolResult::text(format!("Hello, {name}!")))
            },
        ),
        Tool::untyped(
            "slow_compute",
            "Sleeps `seconds`, then reports; a task for clients that take one.",
            json!({"type": "object", "properties": {
                "seconds": {"type": "number", "minimum": 0, "maximum": 600},
                "label": {"type": "string"}
            }, "required": ["seconds"]}),
            |args, cx| async move {
                let seconds = args["seconds"].as_f64().unwrap_or(0.0);
                let label = args["label"].as_str().unwrap_or("compute").to_owned();
                if !pause(&cx, Duration::from_secs_f64(seconds)).await {
                    return Ok(ToolResult::error(format!("{label}: cancelled")));
                }
                Ok(ToolResult::text(format!("{label}: done after {seconds} s")))
            },
        )
        .task_support(TaskSupport::Optional),
        Tool::untyped(
            "failing_job",
            "Runs for a second as a task, then reports a tool error.",
            no_arguments(),
            |_, cx| async move {
                pause(&cx, Duration::from_secs(1)).await;
                Ok(ToolResult::error("The job failed, as this fixture always does."))
            },
        )
        .task_support(TaskSupport::Required),
        Tool::untyped(
            "protocol_error_job",
            "Runs briefly as a task, then fails with a protocol error.",
            no_arguments(),
            |_, cx| async move {
                pause(&cx, Duration::from_millis(500)).await;
                Err(Error::invalid_params(
                    "the job refused its own parameters, as this fixture always does",
                ))
            },
        )
        .task_support(TaskSupport::Required),
        Tool::untyped(
            "confirm_delete",
            "Asks the client to confirm, as a task, before it pretends to delete `filename`.",
            json!({"type": "object", "properties": {"filename": {"type": "string"}}, "required": ["filename"]}),
            |args, cx| async move {
                let filename = args["filename"].as_str().unwrap_or_default().to_owned();
                let Some(answer) = cx.input_response("confirm") else {
                    // Long enough to become a task before it asks.
                    pause(&cx, Duration::from_millis(400)).await;
                    return Ok(ToolResult::input_required(InputRequired::new().elicit(
                        "confirm",
                        format!("Delete {filename}?"),
                        json!({"type": "object", "properties": {"confirm": {"type": "boolean"}}, "required": ["confirm"]}),
                    )));
                };
                let confirmed = accepted(Some(answer))
                    .and_then(|c| c.get("confirm"))
                    .and_then(Value::as_bool)
                    == Some(true);
                Ok(ToolResult::text(if confirmed {
                    format!("Deleted {filename}.")
                } else {
                    format!("Kept {filename}.")
                }))
            },
        )
        .task_support(TaskSupport::Required),
        Tool::untyped(
            "multi_input",
            "Asks the client two questions at once, as a task, and reports both answers.",
            no_arguments(),
            |_, cx| async move {
                let (Some(first), Some(second)) =
                    (cx.input_response("first"), cx.input_response("second"))
                else {
                    pause(&cx, Duration::from_millis(400)).await;
                    let schema = json!({"type": "object", "properties": {
                        "name": {"type": "string"}, "confirm": {"type": "boolean"}
                    }});
                    return Ok(ToolResult::input_required(
                        InputRequired::new()
                            .elicit("first", "First question?", schema.clone())
                            .elicit("second", "Second question?", schema),
                    ));
                };
                let name = |answer: &Value| {
                    accepted(Some(answer))
                        .and_then(|c| c.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or("(declined)")
                        .to_owned()
                };
                Ok(ToolResult::text(format!(
                    "Answers: {} and {}.",
                    name(first),
                    name(second)
                )))
            },
        )
        .task_support(TaskSupport::Required),
        Tool::untyped(
            "test_tool_with_task",
            "Asks for a name synchronously, then greets as a task.",
            no_arguments(),
            |_, cx| async move {
                let Some(name) = accepted(cx.input_response("user_name"))
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                else {
                    return Ok(ToolResult::input_required(InputRequired::new().elicit(
                        "user_name",
                        "What is your name?",
                        json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
                    )));
                };
                pause(&cx, Duration::from_millis(300)).await;
                Ok(ToolResult::text(format!("Hello, {name}, from a task.")))
            },
        )
        .task_support(TaskSupport::Required),
    ]
}
