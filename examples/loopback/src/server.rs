//! The demo server: a typed tool, a tool that reports progress, a resource, a template
//! and a prompt.

use edgemcp::prompt::Completer;
use edgemcp::protocol::{LogLevel, ResourceContents, ToolAnnotations};
use edgemcp::{
    Error, Prompt, PromptArgument, PromptMessage, Resource, ResourceTemplate, Server, Tool,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Deserialize, JsonSchema)]
struct AddArgs {
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
}

#[derive(Serialize, JsonSchema)]
struct Sum {
    /// `a + b`.
    sum: i64,
}

#[derive(Deserialize, JsonSchema)]
struct WaitArgs {
    /// How many one-second steps to wait (at most 10).
    seconds: u8,
}

#[derive(Serialize, JsonSchema)]
struct Waited {
    /// How many seconds were waited.
    waited: u8,
}

const COLORS: [&str; 6] = ["red", "orange", "yellow", "green", "blue", "violet"];

pub(crate) fn demo_server() -> edgemcp::Result<Server> {
    Server::builder("edgemcp-demo", env!("CARGO_PKG_VERSION"))
        .instructions(
            "A demo server: arithmetic, a slow tool that reports progress, colors as resources.",
        )
        .tool(
            Tool::typed(
                "add",
                "Adds two integers.",
                |args: AddArgs, _cx| async move {
                    args.a
                        .checked_add(args.b)
                        .map(|sum| Sum { sum })
                        .ok_or_else(|| {
                            Error::invalid_params(
                                "The sum does not fit in 64 bits; use smaller numbers.",
                            )
                        })
                },
            )
            .annotations(ToolAnnotations::read_only().title("Add")),
        )
        .tool(
            Tool::typed(
                "wait",
                "Waits, reporting progress each second.",
                |args: WaitArgs, cx| async move {
                    let seconds = args.seconds.min(10);
                    for i in 1..=seconds {
                        cx.runtime().sleep(Duration::from_secs(1)).await;
                        cx.progress(f64::from(i), Some(f64::from(seconds)), None);
                        cx.log(
                            LogLevel::Info,
                            Some("wait"),
                            serde_json::json!({"second": i}),
                        );
                    }
                    Ok(Waited { waited: seconds })
                },
            )
            .annotations(ToolAnnotations::read_only()),
        )
        .resource(Resource::text(
            "demo://about",
            "about",
            "text/plain",
            "This is the edgemcp demo server.",
        ))
        .resource_template(
            ResourceTemplate::new("colors://{name}", "color", |uri, vars, _cx| async move {
                let name = vars.get("name").unwrap_or_default();
                if COLORS.contains(&name) {
                    Ok(vec![ResourceContents::text(
                        uri,
                        "text/plain",
                        format!("{name} is a color of the rainbow"),
                    )])
                } else {
                    Err(Error::not_found(format!("{name} is not a rainbow color.")))
                }
            })?
            .complete("name", Completer::values(COLORS)),
        )
        .prompt(
            Prompt::new(
                "poem",
                "Asks for a short poem about a color.",
                |args, _cx| async move {
                    let color = args.get("color").cloned().unwrap_or_default();
                    Ok(vec![PromptMessage::user(format!(
                        "Write a four-line poem about the color {color}."
                    ))])
                },
            )
            .argument(
                PromptArgument::required("color", "A rainbow color.")
                    .complete(Completer::values(COLORS)),
            ),
        )
        .build(crate::runtime::runtime())
}
