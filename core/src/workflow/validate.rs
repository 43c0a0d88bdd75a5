//! Checking a workflow against the tools it calls, when the server is built.

use super::{Source, Step, Workflow};
use crate::tool::Tool;
use crate::{Error, Result};
use serde_json::Value;

/// How deep `$ref`s are followed before a schema counts as anything.
const MAX_DEPTH: usize = 32;

/// Checks `workflow` against the tools `tools` finds by name; the error names the
/// workflow, the step and what to fix.
pub(crate) fn validate<'t>(
    workflow: &Workflow,
    tools: &dyn Fn(&str) -> Option<&'t Tool>,
) -> Result<()> {
    let fail = |step: Option<&str>, what: String| {
        Error::config(match step {
            Some(step) => format!("Workflow `{}`, step `{step}`: {what}.", workflow.name),
            None => format!("Workflow `{}`: {what}.", workflow.name),
        })
    };
    if workflow.steps.is_empty() {
        return Err(fail(
            None,
            "it has no steps; add one with Workflow::step".to_owned(),
        ));
    }
    for (at, step) in workflow.steps.iter().enumerate() {
        if workflow.steps[..at].iter().any(|s| s.name == step.name) {
            return Err(fail(
                Some(&step.name),
                "the name is used by an earlier step; give each step its own".to_owned(),
            ));
        }
        let tool = tools(&step.tool).ok_or_else(|| {
            fail(
                Some(&step.name),
                format!("calls `{}`, which is not a registered tool; register it first or correct the name", step.tool),
            )
        })?;
        let checker = Checker {
            workflow,
            tools,
            at,
            step,
        };
        checker
            .check(tool)
            .map_err(|what| fail(Some(&step.name), what))?;
    }
    Ok(())
}

struct Checker<'a, 't> {
    workflow: &'a Workflow,
    tools: &'a dyn Fn(&str) -> Option<&'t Tool>,
    at: usize,
    step: &'a Step,
}

/// JSON types a value may have; `None` is any.
type Types = Option<Vec<String>>;

impl<'t> Checker<'_, 't> {
    fn check(&self, tool: &Tool) -> std::result::Result<(), String> {
        let input = tool.input_schema.as_ref();
        let item = match &self.step.each {
            None => None,
            Some(list) => {
                let Source::Output(..) = list else {
                    return Err(
                        "for_each needs a list from an earlier step: from::output(step, path)"
                            .to_owned(),
                    );
                };
                let (root, schema) = self.source_schema(list)?;
                let schema = resolve(root, schema, 0);
                if !types_of(root, schema, 0).is_none_or(|t| t.iter().any(|t| t == "array")) {
                    return Err(format!(
                        "for_each reads {}, which is not a list",
                        describe(list)
                    ));
                }
                Some((root, schema.get("items").unwrap_or(&Value::Bool(true))))
            }
        };
        let properties = input.get("properties").and_then(Value::as_object);
        let closed = input.get("additionalProperties") == Some(&Value::Bool(false));
        for (name, source) in &self.step.args {
            let property = properties.and_then(|p| p.get(name));
            if property.is_none() && closed {
                let known: Vec<&str> = properties
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                return Err(format!(
                    "`{}` takes no argument `{name}`; its arguments are {}",
                    self.step.tool,
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
            }
            let produced = self.types(source, item)?;
            if let Some(property) = property {
                let accepted = types_of(input, resolve(input, property, 0), 0);
                if !fits(&produced, &accepted) {
                    return Err(format!(
                        "argument `{name}` of `{}` takes {}, but {} is {}",
                        self.step.tool,
                        names(&accepted),
                        describe(source),
                        names(&produced)
                    ));
                }
            }
        }
        if self.step.handoff.is_none() {
            let required = input.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                if !self.step.args.iter().any(|(arg, _)| arg == name) {
                    return Err(format!(
                        "`{}` requires the argument `{name}`; give it with .arg(\"{name}\", …)",
                        self.step.tool
                    ));
                }
            }
        }
        Ok(())
    }

    /// The types `source` produces, checking that what it reads exists.
    fn types(
        &self,
        source: &Source,
        item: Option<(&Value, &Value)>,
    ) -> std::result::Result<Types, String> {
        match source {
            Source::Argument(name) => {
                if self.workflow.arguments.iter().any(|a| &a.name == name) {
                    Ok(Some(vec!["string".to_owned()]))
                } else {
                    Err(format!("reads the prompt argument `{name}`, which the workflow does not declare; add it with Workflow::argument"))
                }
            }
            Source::ArgumentOr(name, default) => {
                if !self.workflow.arguments.iter().any(|a| &a.name == name) {
                    return Err(format!("reads the prompt argument `{name}`, which the workflow does not declare; add it with Workflow::argument"));
                }
                Ok(Some(vec![
                    "string".to_owned(),
                    json_type(default).to_owned(),
                ]))
            }
            Source::Constant(value) => Ok(Some(vec![json_type(value).to_owned()])),
            Source::Output(..) => {
                let (root, schema) = self.source_schema(source)?;
                Ok(types_of(root, resolve(root, schema, 0), 0))
            }
            Source::Item(path) => {
                let Some((root, items)) = item else {
                    return Err("reads from::item outside a for_each step".to_owned());
                };
                let schema = walk(root, items, path).ok_or_else(|| {
                    format!("the list's elements have no field `{}`", path.join("."))
                })?;
                Ok(types_of(root, resolve(root, schema, 0), 0))
            }
            Source::Template(template) => {
                for (name, fill, _) in &template.fills {
                    if !template.text.contains(&format!("{{{name}}}")) {
                        return Err(format!(
                            "the template has no {{{name}}} for the value given for it"
                        ));
                    }
                    self.types(fill, item)?;
                }
                for name in template.placeholders() {
                    if !template.fills.iter().any(|(n, _, _)| n == name) {
                        return Err(format!("the template's {{{name}}} is given no value"));
                    }
                }
                Ok(Some(vec!["string".to_owned()]))
            }
        }
    }

    /// The output schema (root, and the node at the path) an `Output` source reads.
    fn source_schema(&self, source: &Source) -> std::result::Result<(&Value, &Value), String> {
        let Source::Output(step, path) = source else {
            return Err("expected an earlier step's output".to_owned());
        };
        let Some(at) = self.workflow.steps.iter().position(|s| &s.name == step) else {
            return Err(format!(
                "reads step `{step}`, which the workflow does not have"
            ));
        };
        if at >= self.at {
            return Err(format!(
                "reads step `{step}`, which runs later; a step can only read the steps before it"
            ));
        }
        let producer = &self.workflow.steps[at];
        if producer.handoff.is_some() {
            return Err(format!(
                "reads step `{step}`, which is handed to the model and has no output here"
            ));
        }
        if producer.each.is_some() {
            return Err(format!("reads step `{step}`, which runs once per element; read the list it ran over instead"));
        }
        let tool = (self.tools)(&producer.tool).ok_or_else(|| {
            format!(
                "reads step `{step}`, whose tool `{}` is not registered",
                producer.tool
            )
        })?;
        let root = tool.output_schema.as_deref().ok_or_else(|| {
            format!(
                "reads step `{step}`, but `{}` declares no outputSchema, so its fields cannot be checked",
                producer.tool
            )
        })?;
        let node = walk(root, root, path).ok_or_else(|| {
            format!(
                "reads `{}` of step `{step}`, but the outputSchema of `{}` has no such field",
                path.join("."),
                producer.tool
            )
        })?;
        Ok((root, node))
    }
}

/// The schema of the field at `path` under `schema`.
fn walk<'a>(root: &'a Value, schema: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut node = schema;
    for key in path {
        node = field(root, resolve(root, node, 0), key, 0)?;
    }
    Some(node)
}

fn field<'a>(root: &'a Value, schema: &'a Value, key: &str, depth: usize) -> Option<&'a Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    if let Some(found) = schema.get("properties").and_then(|p| p.get(key)) {
        return Some(found);
    }
    for branches in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(branches)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(found) = field(root, resolve(root, branch, depth), key, depth + 1) {
                return Some(found);
            }
        }
    }
    None
}

/// `schema` with local `$ref`s followed.
fn resolve<'a>(root: &'a Value, schema: &'a Value, depth: usize) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) if depth < MAX_DEPTH => {
            match reference.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => resolve(root, target, depth + 1),
                None => schema,
            }
        }
        _ => schema,
    }
}

/// The JSON types `schema` allows, `null` left out; `None` when it allows any.
fn types_of(root: &Value, schema: &Value, depth: usize) -> Types {
    let mut types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => {
            let mut union = Vec::new();
            let branches = ["anyOf", "oneOf"]
                .iter()
                .filter_map(|k| schema.get(*k).and_then(Value::as_array))
                .flatten()
                .collect::<Vec<_>>();
            if branches.is_empty() || depth > MAX_DEPTH {
                return None;
            }
            for branch in branches {
                union.extend(types_of(root, resolve(root, branch, depth), depth + 1)?);
            }
            union
        }
    };
    types.retain(|t| t != "null");
    Some(types)
}

/// Whether a value of one of `produced` fits one of `accepted`.
fn fits(produced: &Types, accepted: &Types) -> bool {
    let (Some(produced), Some(accepted)) = (produced, accepted) else {
        return true;
    };
    produced.iter().any(|p| {
        accepted
            .iter()
            .any(|a| a == p || (a == "number" && p == "integer"))
    })
}

fn names(types: &Types) -> String {
    match types {
        None => "any value".to_owned(),
        Some(types) if types.is_empty() => "null".to_owned(),
        Some(types) => types.join(" or "),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn describe(source: &Source) -> String {
    match source {
        Source::Argument(name) | Source::ArgumentOr(name, _) => {
            format!("the prompt argument `{name}`")
        }
        Source::Constant(value) => format!("the constant {value}"),
        Source::Output(step, path) => format!("`{}` of step `{step}`", path.join(".")),
        Source::Item(path) if path.is_empty() => "the element".to_owned(),
        Source::Item(path) => format!("the element's `{}`", path.join(".")),
        Source::Template(_) => "the template".to_owned(),
    }
}
