//! Workflows declared from JavaScript: `server.workflow(name, definition)` over the tools
//! the server has, checked when it is registered.

use crate::convert::from_js;
use crate::handlers::ArgumentDefinition;
use edgemcp::workflow::{from, Source, Step, Workflow};
use edgemcp::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

/// `{ description, title?, arguments?, steps, instruction? }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowDefinition {
    description: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    arguments: Vec<ArgumentDefinition>,
    steps: Vec<StepDefinition>,
    #[serde(default)]
    instruction: Option<String>,
}

/// `{ name, tool, args?, forEach?, handoff? }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct StepDefinition {
    name: String,
    tool: String,
    #[serde(default)]
    args: Map<String, Value>,
    #[serde(default)]
    for_each: Option<Value>,
    #[serde(default)]
    handoff: Option<String>,
}

/// The workflow `definition` declares under `name`.
///
/// # Errors
/// What is wrong with the definition, named by where it is.
pub(crate) fn workflow_from_js(name: &str, definition: &JsValue) -> Result<Workflow> {
    let what = format!("the definition of workflow `{name}`");
    let definition: WorkflowDefinition = from_js(definition, &what)?;
    let mut workflow = Workflow::new(name, definition.description);
    if let Some(title) = definition.title {
        workflow = workflow.title(title);
    }
    for argument in definition.arguments {
        workflow = workflow.argument(argument.declared());
    }
    for step in definition.steps {
        let at = |part: &str| format!("{what}, step `{}`, {part}", step.name);
        let mut built = match step.handoff {
            Some(why) => Step::handoff(&step.name, &step.tool, why),
            None => Step::call(&step.name, &step.tool),
        };
        if let Some(list) = &step.for_each {
            built = built.for_each(source(list, &at("forEach"))?);
        }
        for (arg, value) in &step.args {
            built = built.arg(arg, source(value, &at(&format!("args.{arg}")))?);
        }
        workflow = workflow.step(built);
    }
    if let Some(instruction) = definition.instruction {
        workflow = workflow.instruction(instruction);
    }
    Ok(workflow)
}

/// A source written `{argument}`, `{argument, default}`, `{constant}`, `{output, path}`,
/// `{item}`, or `{template, values, identifiers?}`.
fn source(value: &Value, what: &str) -> Result<Source> {
    const FORMS: &str = "{argument: name}, {argument: name, default: value}, {constant: value}, \
                         {output: step, path: \"a.b\"}, {item: \"a.b\"}, or {template: \"…{x}…\", \
                         values: {x: source}, identifiers?: [\"x\"]}";
    let wrong = |detail: &str| Error::invalid_params(format!("{what}: {detail}; write {FORMS}"));
    let Value::Object(fields) = value else {
        return Err(wrong("a source must be an object"));
    };
    let text = |key: &str| fields.get(key).and_then(Value::as_str);
    let only = |allowed: &[&str]| match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(extra) => Err(wrong(&format!("`{extra}` does not belong here"))),
        None => Ok(()),
    };
    if let Some(name) = text("argument") {
        only(&["argument", "default"])?;
        return Ok(match fields.get("default") {
            Some(default) => from::argument_or(name, default.clone()),
            None => from::argument(name),
        });
    }
    if let Some(constant) = fields.get("constant") {
        only(&["constant"])?;
        return Ok(from::constant(constant.clone()));
    }
    if let Some(step) = text("output") {
        only(&["output", "path"])?;
        return Ok(from::output(step, text("path").unwrap_or_default()));
    }
    if let Some(path) = text("item") {
        only(&["item"])?;
        return Ok(from::item(path));
    }
    if let Some(template) = text("template") {
        only(&["template", "values", "identifiers"])?;
        let identifiers: Vec<&str> = fields
            .get("identifiers")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut built = from::template(template);
        let values = fields.get("values").and_then(Value::as_object);
        for (name, fill) in values.into_iter().flatten() {
            let fill = source(fill, &format!("{what}.values.{name}"))?;
            built = if identifiers.contains(&name.as_str()) {
                built.identifier(name, fill)
            } else {
                built.text(name, fill)
            };
        }
        return Ok(built.into());
    }
    Err(wrong("it names no source"))
}
