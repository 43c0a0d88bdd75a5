//! Checks tool arguments against the tool's JSON Schema before the handler runs.
//!
//! The messages name the field, what was expected and what was received, so a model can
//! fix its call: ``argument `limit`: expected integer, received string "ten"``. The check
//! covers the keywords tool schemas use in practice (type, enum, const, required,
//! properties, additionalProperties, items, bounds on numbers, strings and arrays,
//! anyOf/oneOf/allOf and local `$ref`s); other keywords are left to the handler.

use crate::jsonrpc::describe;
use serde_json::{Map, Value};

/// How deep `$ref`s may nest before the schema is treated as cyclic.
const MAX_DEPTH: usize = 64;

/// Validates `value` against `schema`; returns every problem found, or an empty list.
pub(crate) fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(schema, schema, value, &mut String::new(), &mut problems, 0);
    problems
}

fn check(
    root: &Value,
    schema: &Value,
    value: &Value,
    path: &mut String,
    out: &mut Vec<String>,
    depth: usize,
) {
    let Some(schema) = schema.as_object() else {
        if schema == &Value::Bool(false) {
            out.push(format!("{}: no value is allowed here", name(path)));
        }
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(Value::String(reference)) = schema.get("$ref") {
        if let Some(target) = resolve(root, reference) {
            check(root, target, value, path, out, depth + 1);
        }
    }
    if let Some(expected) = schema.get("type") {
        if !type_matches(expected, value) {
            out.push(format!(
                "{}: expected {}, received {}",
                name(path),
                type_names(expected),
                describe(value)
            ));
            return;
        }
    }
    if let Some(Value::Array(options)) = schema.get("enum") {
        if !options.contains(value) {
            let allowed: Vec<String> = options.iter().map(Value::to_string).collect();
            out.push(format!(
                "{}: expected one of {}, received {}",
                name(path),
                allowed.join(", "),
                describe(value)
            ));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            out.push(format!(
                "{}: expected {constant}, received {}",
                name(path),
                describe(value)
            ));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = schema.get(key) {
            let fits = options
                .iter()
                .any(|option| probe(root, option, value, depth));
            if !fits {
                // Enums of documented variants come as `oneOf` consts: name the values.
                let constants: Option<Vec<String>> = options
                    .iter()
                    .map(|o| o.get("const").map(Value::to_string))
                    .collect();
                match constants {
                    Some(allowed) if !allowed.is_empty() => out.push(format!(
                        "{}: expected one of {}, received {}",
                        name(path),
                        allowed.join(", "),
                        describe(value)
                    )),
                    _ => out.push(format!(
                        "{}: received {}, which fits none of the allowed forms",
                        name(path),
                        describe(value)
                    )),
                }
            }
        }
    }
    if let Some(Value::Array(all)) = schema.get("allOf") {
        for part in all {
            check(root, part, value, path, out, depth + 1);
        }
    }
    match value {
        Value::Object(object) => check_object(root, schema, object, path, out, depth),
        Value::Array(items) => check_array(root, schema, items, path, out, depth),
        Value::String(text) => check_string(schema, text, path, out),
        Value::Number(number) => check_number(schema, number, path, out),
        _ => {}
    }
}

fn probe(root: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    let mut scratch = Vec::new();
    check(
        root,
        schema,
        value,
        &mut String::new(),
        &mut scratch,
        depth + 1,
    );
    scratch.is_empty()
}

fn check_object(
    root: &Value,
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    path: &mut String,
    out: &mut Vec<String>,
    depth: usize,
) {
    if let Some(Value::Array(required)) = schema.get("required") {
        for field in required.iter().filter_map(Value::as_str) {
            if !object.contains_key(field) {
                let len = path.len();
                push_field(path, field);
                out.push(format!("{}: required, but missing", name(path)));
                path.truncate(len);
            }
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (field, item) in object {
        let len = path.len();
        push_field(path, field);
        match properties.and_then(|p| p.get(field)) {
            Some(sub) => check(root, sub, item, path, out, depth + 1),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => out.push(format!(
                    "{}: unknown field; allowed fields are {}",
                    name(path),
                    properties
                        .map(|p| p
                            .keys()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", "))
                        .unwrap_or_else(|| "none".to_owned())
                )),
                Some(sub @ Value::Object(_)) => check(root, sub, item, path, out, depth + 1),
                _ => {}
            },
        }
        path.truncate(len);
    }
}

fn check_array(
    root: &Value,
    schema: &Map<String, Value>,
    items: &[Value],
    path: &mut String,
    out: &mut Vec<String>,
    depth: usize,
) {
    if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
        if (items.len() as u64) < min {
            out.push(format!(
                "{}: expected at least {min} items, received {}",
                name(path),
                items.len()
            ));
        }
    }
    if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
        if (items.len() as u64) > max {
            out.push(format!(
                "{}: expected at most {max} items, received {}",
                name(path),
                items.len()
            ));
        }
    }
    if let Some(item_schema) = schema.get("items") {
        for (i, item) in items.iter().enumerate() {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            check(root, item_schema, item, path, out, depth + 1);
            path.truncate(len);
        }
    }
}

fn check_string(schema: &Map<String, Value>, text: &str, path: &str, out: &mut Vec<String>) {
    let chars = text.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        if chars < min {
            out.push(format!(
                "{}: expected at least {min} characters, received {chars}",
                name(path)
            ));
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if chars > max {
            out.push(format!(
                "{}: expected at most {max} characters, received {chars}",
                name(path)
            ));
        }
    }
}

/// A bound keyword, its operator as printed, and whether a value satisfies it.
type BoundRule = (&'static str, &'static str, fn(f64, f64) -> bool);

fn check_number(
    schema: &Map<String, Value>,
    number: &serde_json::Number,
    path: &str,
    out: &mut Vec<String>,
) {
    let Some(n) = number.as_f64() else { return };
    // Bounds print as the schema wrote them (and without pulling in float formatting).
    let rules: [BoundRule; 4] = [
        ("minimum", ">=", |n, b| n >= b),
        ("maximum", "<=", |n, b| n <= b),
        ("exclusiveMinimum", ">", |n, b| n > b),
        ("exclusiveMaximum", "<", |n, b| n < b),
    ];
    for (key, op, holds) in rules {
        if let Some(bound) = schema.get(key).filter(|b| b.is_number()) {
            if !holds(n, bound.as_f64().unwrap_or(n)) {
                out.push(format!(
                    "{}: expected a number {op} {bound}, received {number}",
                    name(path)
                ));
            }
        }
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    match expected {
        Value::String(t) => one_type_matches(t, value),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .any(|t| one_type_matches(t, value)),
        _ => true,
    }
}

fn one_type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => match value {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => true,
    }
}

fn type_names(expected: &Value) -> String {
    match expected {
        Value::String(t) => t.clone(),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        other => other.to_string(),
    }
}

/// Resolves a local reference such as `#/$defs/Item`.
fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn push_field(path: &mut String, field: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(field);
}

fn name(path: &str) -> String {
    if path.is_empty() {
        "arguments".to_owned()
    } else {
        format!("argument `{path}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "key": {"type": "string", "minLength": 1, "maxLength": 8},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
                "mode": {"enum": ["utf8", "base64"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
                "nested": {"$ref": "#/$defs/Nested"},
                "maybe": {"type": ["integer", "null"]},
                "kind": {"oneOf": [{"const": "a", "description": "A."}, {"const": "b"}]}
            },
            "required": ["key"],
            "additionalProperties": false,
            "$defs": {"Nested": {"type": "object", "properties": {"on": {"type": "boolean"}}, "required": ["on"]}}
        })
    }

    #[test]
    fn messages_name_field_expectation_and_value() {
        let table = [
            (json!({"key": "a"}), vec![]),
            (json!({"key": "a", "maybe": null}), vec![]),
            (json!({}), vec!["argument `key`: required, but missing"]),
            (json!({"key": 5}), vec!["argument `key`: expected string, received number 5"]),
            (json!({"key": ""}), vec!["argument `key`: expected at least 1 characters, received 0"]),
            (json!({"key": "a", "limit": "ten"}), vec!["argument `limit`: expected integer, received string \"ten\""]),
            (json!({"key": "a", "limit": 1.5}), vec!["argument `limit`: expected integer, received number 1.5"]),
            (json!({"key": "a", "limit": 0}), vec!["argument `limit`: expected a number >= 1, received 0"]),
            (json!({"key": "a", "mode": "hex"}), vec!["argument `mode`: expected one of \"utf8\", \"base64\", received string \"hex\""]),
            (json!({"key": "a", "tags": ["x", 1]}), vec!["argument `tags[1]`: expected string, received number 1"]),
            (json!({"key": "a", "nested": {}}), vec!["argument `nested.on`: required, but missing"]),
            (json!({"key": "a", "extra": 1}), vec!["argument `extra`: unknown field; allowed fields are `key`, `kind`, `limit`, `maybe`, `mode`, `nested`, `tags`"]),
            (json!([1]), vec!["arguments: expected object, received an array"]),
            (json!({"key": "a", "kind": "c"}), vec!["argument `kind`: expected one of \"a\", \"b\", received string \"c\""]),
        ];
        for (value, expected) in table {
            assert_eq!(validate(&schema(), &value), expected, "{value}");
        }
    }

    #[test]
    fn cyclic_references_terminate() {
        let schema = json!({"$ref": "#"});
        assert!(validate(&schema, &json!({})).is_empty());
    }
}
