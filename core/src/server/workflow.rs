//! Running a workflow at `prompts/get`: each step an ordinary `tools/call` with the
//! caller's context, its result put into the prompt's messages.

use super::reply::Failure;
use crate::prompt::{PromptArgs, PromptMessage};
use crate::protocol::{Content, ResourceContents};
use crate::workflow::{Fill, Source, Step, Workflow, MAX_EACH};
use crate::{RequestContext, Server};
use serde_json::{json, Map, Value};

/// What the steps have produced so far. A workflow has a handful of steps: a list is
/// enough, and keeps a map type's code out of the Worker.
struct Outputs<'a> {
    args: &'a PromptArgs,
    by_step: Vec<(&'a str, Value)>,
}

impl Server {
    /// Runs `workflow`'s steps in order; the messages for `prompts/get`. A step whose
    /// tool fails ends the chain with what ran before it and a message naming the step;
    /// a refusal (the caller may not call a tool) is the whole request's error.
    pub(super) async fn run_workflow(
        &self,
        workflow: &Workflow,
        args: &PromptArgs,
        cx: RequestContext,
    ) -> Result<Vec<PromptMessage>, Failure> {
        let mut messages = Vec::new();
        let mut outputs = Outputs {
            args,
            by_step: Vec::new(),
        };
        let total = workflow.steps.len();
        let count = |n: usize| f64::from(u32::try_from(n).unwrap_or(u32::MAX));
        let mut used = 0usize;
        for (done, step) in workflow.steps.iter().enumerate() {
            cx.progress(
                count(done),
                Some(count(total)),
                Some(&format!("step {} of {total}: {}", done + 1, step.name)),
            );
            if let Some(why) = &step.handoff {
                messages.push(PromptMessage::user(handoff_text(step, why, &outputs)));
                continue;
            }
            let calls = match outputs.calls(step) {
                Ok(calls) => calls,
                Err(reason) => {
                    messages.push(stopped(workflow, step, done, &reason));
                    return Ok(messages);
                }
            };
            let (calls, left_out) = calls;
            for (label, arguments) in calls {
                let mut params = Map::new();
                params.insert("name".into(), json!(step.tool));
                params.insert("arguments".into(), Value::Object(arguments));
                let result = self.invoke_tool(params, cx.clone(), true).await?;
                let text = text_of(&result);
                if result.get("isError") == Some(&Value::Bool(true)) {
                    messages.push(stopped(workflow, step, done, &text));
                    return Ok(messages);
                }
                let heading = match &label {
                    Some(label) => format!("Step `{}` ({}) for {label}:", step.name, step.tool),
                    None => format!("Step `{}` ({}):", step.name, step.tool),
                };
                let structured = result.get("structuredContent").map(Value::to_string);
                used += text.len() + structured.as_ref().map_or(0, String::len);
                if used > workflow.max_bytes {
                    let reason = format!(
                        "its results would pass the {} bytes this workflow may return; call `{}` \
                         directly, with narrower arguments, for the rest",
                        workflow.max_bytes, step.tool
                    );
                    messages.push(stopped(workflow, step, done, &reason));
                    return Ok(messages);
                }
                messages.push(PromptMessage::user(format!("{heading}\n{text}")));
                if let (Some(json), Some(structured)) =
                    (structured, result.get("structuredContent"))
                {
                    let uri = format!("workflow://{}/{}", workflow.name, step.name);
                    messages.push(PromptMessage {
                        role: crate::protocol::Role::User,
                        content: Content::resource(ResourceContents::text(
                            uri,
                            "application/json",
                            json,
                        )),
                    });
                    if step.each.is_none() {
                        outputs.by_step.push((&step.name, structured.clone()));
                    }
                }
            }
            if left_out > 0 {
                messages.push(PromptMessage::user(format!(
                    "Step `{}` ran for the first {MAX_EACH} elements only; {left_out} more were left out.",
                    step.name
                )));
            }
        }
        cx.progress(count(total), Some(count(total)), Some("done"));
        if let Some(instruction) = &workflow.instruction {
            messages.push(PromptMessage::user(instruction.clone()));
        }
        Ok(messages)
    }
}

/// The message that ends a chain early.
fn stopped(workflow: &Workflow, step: &Step, done: usize, reason: &str) -> PromptMessage {
    PromptMessage::user(format!(
        "The workflow `{}` stopped at step `{}` ({}), after {done} step{} ran: {reason}",
        workflow.name,
        step.name,
        step.tool,
        if done == 1 { "" } else { "s" }
    ))
}

/// What the assistant is asked to do for a handed-off step.
fn handoff_text(step: &Step, why: &str, outputs: &Outputs<'_>) -> String {
    let mut known = Map::new();
    for (name, source) in &step.args {
        if let Ok(value) = outputs.value(source, None) {
            known.insert(name.clone(), value);
        }
    }
    format!(
        "Next, call the tool `{}` yourself{}: {why}",
        step.tool,
        if known.is_empty() {
            String::new()
        } else {
            format!(" with the arguments {}", Value::Object(known))
        }
    )
}

/// The text blocks of a tool result, joined.
fn text_of(result: &Map<String, Value>) -> String {
    result
        .get("content")
        .and_then(Value::as_array)
        .map(|blocks| {
            blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// One call of a step: a label for a `for_each` element, and the arguments.
type Call = (Option<String>, Map<String, Value>);

impl Outputs<'_> {
    /// The calls `step` makes, and how many list elements were left out past
    /// [`MAX_EACH`].
    fn calls(&self, step: &Step) -> Result<(Vec<Call>, usize), String> {
        let Some(list) = &step.each else {
            return Ok((vec![(None, self.arguments(step, None)?)], 0));
        };
        let elements = match self.value(list, None)? {
            Value::Array(elements) => elements,
            other => return Err(format!("the list to run over is {other}, not a list")),
        };
        let left_out = elements.len().saturating_sub(MAX_EACH);
        let calls = elements
            .iter()
            .take(MAX_EACH)
            .enumerate()
            .map(|(i, element)| {
                let label = ["name", "key"]
                    .iter()
                    .find_map(|field| element.get(*field).and_then(Value::as_str))
                    .map_or_else(|| format!("element {}", i + 1), |n| format!("`{n}`"));
                Ok((Some(label), self.arguments(step, Some(element))?))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok((calls, left_out))
    }

    fn arguments(&self, step: &Step, item: Option<&Value>) -> Result<Map<String, Value>, String> {
        // Inserted one by one: collecting into the map would sort, and link a sort.
        let mut arguments = Map::new();
        for (name, source) in &step.args {
            arguments.insert(name.clone(), self.value(source, item)?);
        }
        Ok(arguments)
    }

    /// The value of `source` now.
    fn value(&self, source: &Source, item: Option<&Value>) -> Result<Value, String> {
        match source {
            Source::Argument(name) => self
                .args
                .get(name)
                .map(|v| Value::String(v.clone()))
                .ok_or_else(|| format!("the prompt argument `{name}` was not given")),
            Source::ArgumentOr(name, default) => Ok(self
                .args
                .get(name)
                .map_or_else(|| default.clone(), |v| Value::String(v.clone()))),
            Source::Constant(value) => Ok(value.clone()),
            Source::Output(step, path) => {
                let output = self
                    .by_step
                    .iter()
                    .find(|(name, _)| name == step)
                    .map(|(_, output)| output)
                    .ok_or_else(|| format!("step `{step}` produced no structured result"))?;
                at_path(output, path)
                    .ok_or_else(|| format!("step `{step}`'s result has no `{}`", path.join(".")))
            }
            Source::Item(path) => item
                .and_then(|element| at_path(element, path))
                .ok_or_else(|| format!("an element has no `{}`", path.join("."))),
            Source::Template(template) => {
                let mut text = template.text.clone();
                for (name, fill, how) in &template.fills {
                    let value = match self.value(fill, item)? {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    let written = match how {
                        Fill::Text => value,
                        Fill::Identifier => format!("\"{}\"", value.replace('"', "\"\"")),
                    };
                    text = text.replace(&format!("{{{name}}}"), &written);
                }
                Ok(Value::String(text))
            }
        }
    }
}

fn at_path(value: &Value, path: &[String]) -> Option<Value> {
    path.iter()
        .try_fold(value, |node, key| node.get(key))
        .filter(|v| !v.is_null())
        .cloned()
}
