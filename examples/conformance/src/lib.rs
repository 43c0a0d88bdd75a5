//! The fixture server the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) expects, built with edgemcp.
//!
//! [`fixture_server`] registers the suite's tools (`test_*`), resources (`test://…`) and
//! prompts; `src/main.rs` serves it natively and, on `wasm32`, the `fetch` entry below
//! serves it as a Worker (`examples/conformance/wrangler.toml`). `scripts/conformance`
//! runs the suite against both.
//!
//! The 2026-07-28 multi-round fixtures (`test_input_required_result_*`) are in `input`;
//! the task fixtures (`greet`, `slow_compute`, ...) in `tasks`: kept in memory natively,
//! in a Durable Object on the Worker (`TaskObject`, bound as `TASKS`).
//! Fixtures that need the server to send requests to the client during a 2025 call
//! (sampling, elicitation) are not here: a stateless host cannot carry them, and
//! `examples/conformance/expected-failures/` lists the scenarios that need them, with
//! reasons.

mod input;
mod tasks;

use base64::Engine;
use edgemcp::protocol::{Content, LogLevel, ResourceContents};
use edgemcp::{
    Error, Prompt, PromptArgument, PromptMessage, Resource, ResourceTemplate, Result, Server,
    ServerBuilder, Tool, ToolResult,
};
use serde_json::json;
use std::time::Duration;

/// A 1x1 PNG, as the suite's reference fixture serves it.
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// A tiny WAV file.
const WAV_BASE64: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

fn decode(base64: &str) -> Vec<u8> {
    // The constants above are valid base64; an empty body would only fail the suite.
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap_or_default()
}

/// The fixture server, its tasks kept where `tasks` says (a store or a delegate).
///
/// # Errors
/// Only if a fixture were malformed (a bad URI template), or the runtime cannot run the
/// tasks a store keeps.
pub fn fixture_server(
    runtime: edgemcp::runtime::Runtime,
    tasks: impl FnOnce(ServerBuilder) -> ServerBuilder,
) -> Result<Server> {
    let mut builder = Server::builder("edgemcp-conformance-fixture", env!("CARGO_PKG_VERSION"))
        .instructions("The fixtures of the MCP conformance suite.")
        .tools(tools())
        .tools(input::tools())
        .tools(tasks::tools());
    builder = tasks(builder);
    for resource in resources() {
        builder = builder.resource(resource);
    }
    builder = builder.resource_template(template()?);
    for prompt in prompts().into_iter().chain([input::prompt()]) {
        builder = builder.prompt(prompt);
    }
    builder.build(runtime)
}

fn no_arguments() -> serde_json::Value {
    json!({"type": "object", "properties": {}})
}

fn tools() -> Vec<Tool> {
    vec![
        Tool::untyped(
            "test_simple_text",
            "Returns a simple text response",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::text(
                    "This is a simple text response for testing.",
                ))
            },
        ),
        Tool::untyped(
            "test_image_content",
            "Returns an image",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::content(vec![Content::image(
                    &decode(PNG_BASE64),
                    "image/png",
                )]))
            },
        ),
        Tool::untyped(
            "test_audio_content",
            "Returns audio",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::content(vec![Content::audio(
                    &decode(WAV_BASE64),
                    "audio/wav",
                )]))
            },
        ),
        Tool::untyped(
            "test_embedded_resource",
            "Returns an embedded resource",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::content(vec![Content::resource(
                    ResourceContents::text(
                        "test://embedded-resource",
                        "text/plain",
                        "This is an embedded resource content.",
                    ),
                )]))
            },
        ),
        Tool::untyped(
            "test_multiple_content_types",
            "Returns text, an image and a resource",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::content(vec![
                    Content::text("Multiple content types test:"),
                    Content::image(&decode(PNG_BASE64), "image/png"),
                    Content::resource(ResourceContents::text(
                        "test://mixed-content-resource",
                        "application/json",
                        r#"{"test":"data","value":123}"#,
                    )),
                ]))
            },
        ),
        Tool::untyped(
            "test_error_handling",
            "Always fails, as a tool result",
            no_arguments(),
            |_, _| async {
                Ok(ToolResult::error(
                    "This tool intentionally returns an error for testing",
                ))
            },
        ),
        Tool::untyped(
            "test_tool_with_progress",
            "Reports progress three times",
            no_arguments(),
            |_, cx| async move {
                for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
                    cx.progress(
                        progress,
                        Some(100.0),
                        Some(&format!("Completed step {} of 3", step + 1)),
                    );
                    cx.runtime().sleep(Duration::from_millis(50)).await;
                }
                Ok(ToolResult::text("Progress complete"))
            },
        ),
        Tool::untyped(
            "test_tool_with_logging",
            "Logs three messages",
            no_arguments(),
            |_, cx| async move {
                for message in [
                    "Tool execution started",
                    "Tool processing data",
                    "Tool execution completed",
                ] {
                    cx.log(LogLevel::Info, None, json!(message));
                    cx.runtime().sleep(Duration::from_millis(50)).await;
                }
                Ok(ToolResult::text("Logging complete"))
            },
        ),
        Tool::untyped(
            "test_logging_tool",
            "Logs, but only to clients that asked for a log level",
            no_arguments(),
            |_, cx| async move {
                cx.log(LogLevel::Info, None, json!("a log line"));
                Ok(ToolResult::text("logged"))
            },
        ),
        Tool::untyped(
            "json_schema_2020_12_tool",
            "Lists a JSON Schema 2020-12 input schema that must reach clients unchanged",
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                    "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
                "properties": {
                    "name": {"type": "string"},
                    "address": {"$ref": "#/$defs/address"},
                    "contactMethod": {"type": "string", "enum": ["phone", "email"]},
                    "phone": {"type": "string"},
                    "email": {"type": "string"}
                },
                "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
                "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
                "then": {"required": ["phone"]},
                "else": {"required": ["email"]},
                "additionalProperties": false
            }),
            |args, _| async move { Ok(ToolResult::structured(args)) },
        ),
        Tool::untyped(
            "test_missing_capability",
            "Needs the client to offer sampling; refused (-32021) when it does not",
            no_arguments(),
            |_, _| async { Ok(ToolResult::text("the client offers sampling")) },
        )
        .requires_client_capability("sampling"),
        Tool::untyped(
            "test_mirrored_header",
            "Echoes a region that clients also send in the Mcp-Param-Region header",
            json!({
                "type": "object",
                "properties": {"region": {"type": "string", "x-mcp-header": "Region"}},
                "required": ["region"]
            }),
            |args, _| async move {
                let region = args["region"].as_str().unwrap_or_default().to_owned();
                Ok(ToolResult::text(format!("region {region}")))
            },
        ),
        Tool::untyped(
            "test_streaming_elicitation",
            "Answers without asking the client anything: a stateless server sends no requests",
            no_arguments(),
            |_, _| async { Ok(ToolResult::text("no elicitation needed")) },
        ),
    ]
}

fn resources() -> Vec<Resource> {
    vec![
        Resource::text(
            "test://static-text",
            "static-text",
            "text/plain",
            "This is the content of the static text resource.",
        )
        .description("A static text resource"),
        Resource::blob(
            "test://static-binary",
            "static-binary",
            "image/png",
            &decode(PNG_BASE64),
        )
        .description("A static binary resource"),
        Resource::text(
            "test://watched-resource",
            "watched-resource",
            "text/plain",
            "Watched content.",
        )
        .description("A resource clients may watch"),
    ]
}

fn template() -> Result<ResourceTemplate> {
    Ok(
        ResourceTemplate::new("test://template/{id}/data", "template", |uri, vars, _| {
            let id = vars.get("id").unwrap_or_default().to_owned();
            async move {
                let body =
                    json!({"id": id, "templateTest": true, "data": format!("Data for ID: {id}")});
                Ok(vec![ResourceContents::text(
                    uri,
                    "application/json",
                    body.to_string(),
                )])
            }
        })?
        .description("A resource template with an id")
        .mime_type("application/json"),
    )
}

fn prompts() -> Vec<Prompt> {
    vec![
        Prompt::new(
            "test_simple_prompt",
            "A prompt with no arguments",
            |_, _| async {
                Ok(vec![PromptMessage::user(
                    "This is a simple prompt for testing.",
                )])
            },
        ),
        Prompt::new(
            "test_prompt_with_arguments",
            "A prompt with two arguments",
            |args, _| async move {
                let arg = |name: &str| args.get(name).cloned().unwrap_or_default();
                Ok(vec![PromptMessage::user(format!(
                    "Prompt with arguments: arg1='{}', arg2='{}'",
                    arg("arg1"),
                    arg("arg2")
                ))])
            },
        )
        .argument(PromptArgument::required("arg1", "First test argument"))
        .argument(PromptArgument::required("arg2", "Second test argument")),
        Prompt::new(
            "test_prompt_with_embedded_resource",
            "A prompt that embeds a resource",
            |args, _| async move {
                let uri = args
                    .get("resourceUri")
                    .cloned()
                    .ok_or_else(|| Error::invalid_params("resourceUri is required"))?;
                Ok(vec![
                    PromptMessage {
                        role: edgemcp::protocol::Role::User,
                        content: Content::resource(ResourceContents::text(
                            uri,
                            "text/plain",
                            "Embedded resource content for testing.",
                        )),
                    },
                    PromptMessage::user("Please process the embedded resource above."),
                ])
            },
        )
        .argument(PromptArgument::required(
            "resourceUri",
            "URI of the resource to embed",
        )),
        Prompt::new(
            "test_prompt_with_image",
            "A prompt with an image",
            |_, _| async {
                Ok(vec![
                    PromptMessage {
                        role: edgemcp::protocol::Role::User,
                        content: Content::image(&decode(PNG_BASE64), "image/png"),
                    },
                    PromptMessage::user("Please analyze the image above."),
                ])
            },
        ),
    ]
}

/// The Worker entry: the fixture server, built once per isolate, and the Durable Object
/// that keeps its tasks.
#[cfg(target_arch = "wasm32")]
mod worker_entry {
    use edgemcp_worker::tasks::ObjectDelegate;
    use wasm_bindgen::prelude::wasm_bindgen;
    use wasm_bindgen::JsValue;

    // The Durable Object that keeps the fixture's tasks.
    edgemcp_worker::task_object!(|_env, runtime, store| super::fixture_server(
        runtime,
        |builder| builder.tasks_in(store)
    ));

    /// The Worker's `fetch` handler.
    #[wasm_bindgen]
    #[allow(unreachable_pub)] // exported to JavaScript, not to Rust
    pub async fn fetch(
        req: web_sys::Request,
        env: JsValue,
        _ctx: JsValue,
    ) -> Result<web_sys::Response, JsValue> {
        let runtime = edgemcp::runtime::web::runtime();
        let build = || {
            let delegate = ObjectDelegate::from_env(&env);
            super::fixture_server(runtime, |builder| match delegate {
                Some(delegate) => builder.delegate_tasks(delegate),
                None => builder,
            })
        };
        match edgemcp_worker::per_isolate(build) {
            Ok(server) => edgemcp_worker::serve(&server, &req).await,
            Err(err) => edgemcp_worker::startup_failure(&err),
        }
    }
}
