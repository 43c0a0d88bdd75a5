//! `edgemcp test --generate`: a starting scenario written from the server's `tools/list`.
//!
//! For each tool: one valid call built from its input schema (its `examples`, defaults,
//! enums and bounds), calls at the bounds the schema declares, and invalid calls that
//! must come back as errors (each required argument missing, each argument of the wrong
//! type, an unknown argument where none are allowed, values past the bounds). Tools that
//! may destroy data are left out unless asked for.

use serde::Serialize;
use serde_json::{json, Map, Value};

/// The most `$ref`s followed while building one value.
const MAX_DEPTH: usize = 16;

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// Also call tools that may destroy data.
    pub include_destructive: bool,
    /// Where the server is, for the file's comment.
    pub source: String,
}

/// Why a tool was left out, for the person running the generator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The tool.
    pub tool: String,
    /// Why.
    pub reason: String,
}

/// A generated scenario, with its keys in the order people read them.
#[derive(Serialize)]
struct Generated {
    name: &'static str,
    description: String,
    steps: Vec<GeneratedStep>,
}

#[derive(Serialize)]
struct GeneratedStep {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    list_tools: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call: Option<GeneratedCall>,
    expect: Value,
}

#[derive(Serialize)]
struct GeneratedCall {
    name: String,
    arguments: Value,
}

/// The scenario file (YAML text) for `tools`, and the tools left out.
///
/// # Errors
/// When the YAML cannot be written (a value YAML cannot hold).
pub fn scenario(
    tools: &[Value],
    options: &GenerateOptions,
) -> Result<(String, Vec<LeftOut>), String> {
    let mut steps = Vec::new();
    let mut left_out = Vec::new();
    let names: Vec<&str> = tools.iter().filter_map(|t| t["name"].as_str()).collect();
    let mut listing = vec![json!({"json_path": {"path": "$.tools[*]", "min": names.len()}})];
    listing.extend(
        names
            .iter()
            .map(|name| json!({"contains": {"path": "$.tools[*].name", "value": name}})),
    );
    steps.push(GeneratedStep {
        name: "the tools are listed".to_owned(),
        list_tools: Some(json!({})),
        tool_call: None,
        expect: Value::Array(listing),
    });
    for tool in tools {
        let Some(name) = tool["name"].as_str() else {
            continue;
        };
        if let Some(reason) = destructive(tool).filter(|_| !options.include_destructive) {
            left_out.push(LeftOut {
                tool: name.to_owned(),
                reason,
            });
            continue;
        }
        steps.extend(tool_steps(name, tool));
    }
    let scenario = Generated {
        name: "generated from tools/list",
        description: format!(
            "Written by `edgemcp test --generate` from {}. Valid calls use the schemas' examples \
             and defaults: edit their arguments to values your data holds.",
            options.source
        ),
        steps,
    };
    let yaml = serde_norway::to_string(&scenario)
        .map_err(|e| format!("cannot write the scenario: {e}"))?;
    let mut text =
        String::from("# A starting scenario; run it with `edgemcp test FILE --url URL`.\n");
    if !left_out.is_empty() {
        text.push_str("# Left out (use --include-destructive to add them):\n");
        for out in &left_out {
            text.push_str(&format!("#   {}: {}\n", out.tool, out.reason));
        }
    }
    text.push_str(&yaml);
    Ok((text, left_out))
}

/// Why `tool` may destroy data, by its annotations and MCP's defaults for them.
fn destructive(tool: &Value) -> Option<String> {
    let annotations = tool.get("annotations");
    let flag = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Value::as_bool)
    };
    if flag("readOnlyHint") == Some(true) {
        return None;
    }
    match flag("destructiveHint") {
        Some(false) => None,
        Some(true) => Some("annotated destructiveHint: true".to_owned()),
        None => Some(
            "not annotated read-only or non-destructive (MCP assumes it may destroy data)"
                .to_owned(),
        ),
    }
}

fn tool_steps(name: &str, tool: &Value) -> Vec<GeneratedStep> {
    let empty = json!({"type": "object"});
    let schema = tool.get("inputSchema").unwrap_or(&empty);
    let root = schema;
    let schema = resolve(root, schema, 0);
    let valid = example(root, schema, 0);
    let call = |title: String, arguments: &Value, expect: Value| GeneratedStep {
        name: title,
        list_tools: None,
        tool_call: Some(GeneratedCall {
            name: name.to_owned(),
            arguments: arguments.clone(),
        }),
        expect,
    };
    let success = || json!([{"success": true}, {"schema_valid": true}]);
    let failure = || json!([{"error": true}]);
    let mut steps = vec![call(format!("{name}: a valid call"), &valid, success())];
    let properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (property, property_schema) in &properties {
        let property_schema = resolve(root, property_schema, 0);
        for (label, value, ok) in bounds(property_schema) {
            let mut arguments = valid.clone();
            arguments[property.as_str()] = value;
            let expect = if ok { success() } else { failure() };
            steps.push(call(
                format!("{name}: `{property}` {label}"),
                &arguments,
                expect,
            ));
        }
        if let Some(wrong) = wrong_type(property_schema) {
            let mut arguments = valid.clone();
            arguments[property.as_str()] = wrong;
            steps.push(call(
                format!("{name}: `{property}` of the wrong type"),
                &arguments,
                failure(),
            ));
        }
    }
    for property in &required {
        let mut arguments = valid.clone();
        if let Some(members) = arguments.as_object_mut() {
            members.remove(*property);
        }
        steps.push(call(
            format!("{name}: without `{property}`"),
            &arguments,
            failure(),
        ));
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        let mut arguments = valid.clone();
        arguments["not_an_argument_of_this_tool"] = json!(true);
        steps.push(call(
            format!("{name}: an unknown argument"),
            &arguments,
            failure(),
        ));
    }
    steps
}

/// Values at and past the bounds a property's schema declares: (label, value, valid).
fn bounds(schema: &Value) -> Vec<(String, Value, bool)> {
    let mut out = Vec::new();
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let kind = first_type(schema);
    let integer = kind == Some("integer");
    let as_value = |n: f64| if integer { json!(n as i64) } else { json!(n) };
    if matches!(kind, Some("integer" | "number")) {
        if let Some(min) = number("minimum") {
            out.push((format!("at its minimum {min}"), as_value(min), true));
            out.push((
                format!("below its minimum {min}"),
                as_value(min - 1.0),
                false,
            ));
        }
        if let Some(max) = number("maximum") {
            out.push((format!("at its maximum {max}"), as_value(max), true));
            out.push((
                format!("above its maximum {max}"),
                as_value(max + 1.0),
                false,
            ));
        }
    }
    if kind == Some("string") {
        let length = |key: &str| {
            schema
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        if let Some(max) = length("maxLength").filter(|max| *max <= 4096) {
            out.push((
                format!("at its maximum length {max}"),
                json!("x".repeat(max)),
                true,
            ));
            out.push((
                format!("past its maximum length {max}"),
                json!("x".repeat(max + 1)),
                false,
            ));
        }
        if let Some(min) = length("minLength").filter(|min| *min > 0) {
            out.push((
                format!("shorter than its minimum length {min}"),
                json!("x".repeat(min - 1)),
                false,
            ));
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if options.iter().all(Value::is_string) && options.len() > 1 {
            for option in options.iter().skip(1) {
                out.push((format!("= {option}"), option.clone(), true));
            }
            out.push((
                "not one of its values".to_owned(),
                json!("not-one-of-the-values"),
                false,
            ));
        }
    }
    out
}

/// A value of a type the schema does not allow, or `None` when it allows anything.
fn wrong_type(schema: &Value) -> Option<Value> {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let candidates = [
        ("string", json!(12345)),
        ("integer", json!("not a number")),
        ("number", json!("not a number")),
        ("boolean", json!("yes")),
        ("array", json!("not an array")),
        ("object", json!("not an object")),
    ];
    let (_, wrong) = candidates.into_iter().find(|(t, _)| types.contains(t))?;
    let allowed = |value: &Value| {
        types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            _ => false,
        })
    };
    (!allowed(&wrong)).then_some(wrong)
}

/// A valid value for `schema`: its `const`, `default`, first example or first enum
/// value; otherwise one built from its type, within its bounds.
pub fn example(root: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(root, schema, depth);
    for key in ["const", "default"] {
        if let Some(value) = schema.get(key).filter(|v| !v.is_null()) {
            return value.clone();
        }
    }
    if let Some(Value::Array(examples)) = schema.get("examples") {
        if let Some(first) = examples.first() {
            return first.clone();
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if let Some(first) = options.first() {
            return first.clone();
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = schema.get(key) {
            let branch = branches
                .iter()
                .find(|b| first_type(resolve(root, b, depth)) != Some("null"));
            if let Some(branch) = branch {
                return example(root, branch, depth + 1);
            }
        }
    }
    match first_type(schema) {
        Some("object") => {
            let mut members = Map::new();
            let required = schema["required"].as_array().cloned().unwrap_or_default();
            for name in required.iter().filter_map(Value::as_str) {
                let property = schema["properties"].get(name).unwrap_or(&Value::Bool(true));
                members.insert(name.to_owned(), example(root, property, depth + 1));
            }
            Value::Object(members)
        }
        Some("array") => {
            let count = schema["minItems"].as_u64().unwrap_or(0).min(8);
            let items = schema.get("items").unwrap_or(&Value::Bool(true));
            Value::Array(
                (0..count)
                    .map(|_| example(root, items, depth + 1))
                    .collect(),
            )
        }
        Some("string") => json!(example_string(schema)),
        Some("integer") => json!(example_number(schema).round() as i64),
        Some("number") => json!(example_number(schema)),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        _ => json!("example"),
    }
}

fn example_string(schema: &Value) -> String {
    let text = match schema["format"].as_str() {
        Some("email") => "user@example.com",
        Some("uri" | "url") => "https://example.com/",
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("time") => "00:00:00Z",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("ipv4") => "192.0.2.1",
        _ => "example",
    };
    let min = schema["minLength"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let max = schema["maxLength"]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let mut text = text.to_owned();
    while text.chars().count() < min {
        text.push('x');
    }
    text.chars().take(max.max(min)).collect()
}

fn example_number(schema: &Value) -> f64 {
    let min = schema["minimum"]
        .as_f64()
        .or_else(|| schema["exclusiveMinimum"].as_f64().map(|m| m + 1.0));
    let max = schema["maximum"]
        .as_f64()
        .or_else(|| schema["exclusiveMaximum"].as_f64().map(|m| m - 1.0));
    let mut n = 1.0_f64;
    if let Some(min) = min {
        n = n.max(min);
    }
    if let Some(max) = max {
        n = n.min(max);
    }
    n
}

/// The first non-null type a schema names.
fn first_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

/// `schema` with a local `$ref` (`#/$defs/…`, `#/definitions/…`) followed.
fn resolve<'a>(root: &'a Value, schema: &'a Value, depth: usize) -> &'a Value {
    let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
        return schema;
    };
    if depth > MAX_DEPTH {
        return schema;
    }
    match reference
        .strip_prefix('#')
        .and_then(|pointer| root.pointer(pointer))
    {
        Some(target) => resolve(root, target, depth + 1),
        None => schema,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_the_schema() {
        let root = json!({
            "type": "object",
            "$defs": {"Mode": {"type": "string", "enum": ["fast", "slow"]}},
            "properties": {
                "n": {"type": "integer", "minimum": 5, "maximum": 9},
                "s": {"type": "string", "minLength": 10},
                "mode": {"$ref": "#/$defs/Mode"},
                "tags": {"type": "array", "minItems": 2, "items": {"type": "string", "examples": ["t"]}},
                "optional": {"type": "string"}
            },
            "required": ["n", "s", "mode", "tags"]
        });
        assert_eq!(
            example(&root, &root, 0),
            json!({"n": 5, "s": "examplexxx", "mode": "fast", "tags": ["t", "t"]})
        );
    }

    #[test]
    fn bounds_and_wrong_types() {
        let labels: Vec<(String, bool)> =
            bounds(&json!({"type": "integer", "minimum": 1, "maximum": 3}))
                .into_iter()
                .map(|(label, _, ok)| (label, ok))
                .collect();
        assert_eq!(labels.len(), 4);
        assert_eq!(labels.iter().filter(|(_, ok)| *ok).count(), 2);
        assert_eq!(wrong_type(&json!({"type": "string"})), Some(json!(12345)));
        assert_eq!(
            wrong_type(&json!({"type": ["integer", "null"]})),
            Some(json!("not a number"))
        );
        assert_eq!(wrong_type(&json!({})), None);
    }

    #[test]
    fn destructive_tools_are_left_out_unless_asked() {
        let tools = vec![
            json!({"name": "read", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}),
            json!({"name": "wipe", "inputSchema": {"type": "object"}, "annotations": {"destructiveHint": true}}),
            json!({"name": "plain", "inputSchema": {"type": "object"}}),
        ];
        let (text, left_out) = scenario(&tools, &GenerateOptions::default()).unwrap();
        let left: Vec<&str> = left_out.iter().map(|l| l.tool.as_str()).collect();
        assert_eq!(left, ["wipe", "plain"]);
        assert!(text.contains("read: a valid call"));
        assert!(!text.contains("wipe: a valid call"));
        let everything = GenerateOptions {
            include_destructive: true,
            ..Default::default()
        };
        let (text, left_out) = scenario(&tools, &everything).unwrap();
        assert!(left_out.is_empty());
        assert!(text.contains("wipe: a valid call"));
    }
}
