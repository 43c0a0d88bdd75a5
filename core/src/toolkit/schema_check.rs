//! The schemas checked in beside the toolkits (`schemas.json`) against the ones their
//! types derive, and every schema against JSON Schema 2020-12. Apart from `schemas.rs`,
//! which the toolkits use, so that it needs none of them.

use super::schemas::{all, Derived};
use serde_json::{Map, Value};

#[test]
fn checked_in_schemas_match_the_types() {
    let derived: Vec<Derived> = [
        super::kv::derived_schemas(),
        super::blob::derived_schemas(),
        super::sql::derived_schemas(),
    ]
    .concat();
    let mut generated = Map::new();
    for (tool, input, output) in derived {
        let mut entry = Map::new();
        entry.insert("input".to_owned(), input);
        if let Some(output) = output {
            entry.insert("output".to_owned(), output);
        }
        generated.insert(tool.to_owned(), Value::Object(entry));
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/toolkit/schemas.json");
    if std::env::var_os("EDGEMCP_UPDATE_SCHEMAS").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(path, text).unwrap();
        // This build compiled in the old file; the next run checks the new one.
        return;
    }
    let checked_in: Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(
        checked_in == generated,
        "toolkit/schemas.json differs from the types; rewrite it with \
         EDGEMCP_UPDATE_SCHEMAS=1 cargo test -p edgemcp --lib checked_in_schemas"
    );
    assert_eq!(
        all().unwrap(),
        &checked_in,
        "the compiled-in copy is the file"
    );
}

/// Every keyword of JSON Schema 2020-12 (core, applicator, unevaluated, validation,
/// meta-data, format annotation, content).
const KEYWORDS: [&str; 57] = [
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "prefixItems",
    "items",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
];

/// The formats JSON Schema 2020-12 defines.
const FORMATS: [&str; 19] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The problems of `schema` at `path` for a strict 2020-12 validator.
fn strict_problems(schema: &Value, path: &str, problems: &mut Vec<String>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    for (key, value) in object {
        let at = format!("{path}/{key}");
        if !KEYWORDS.contains(&key.as_str()) {
            problems.push(format!("{at}: unknown keyword"));
        }
        match key.as_str() {
            "format" if !value.as_str().is_some_and(|f| FORMATS.contains(&f)) => {
                problems.push(format!("{at}: unknown format {value}"));
            }
            "properties" | "patternProperties" | "$defs" | "dependentSchemas" => {
                for (name, sub) in value.as_object().into_iter().flatten() {
                    strict_problems(sub, &format!("{at}/{name}"), problems);
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    strict_problems(sub, &format!("{at}/{i}"), problems);
                }
            }
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => strict_problems(value, &at, problems),
            _ => {}
        }
    }
}

#[test]
fn every_toolkit_schema_uses_only_json_schema_2020_12() {
    let mut problems = Vec::new();
    for (tool, entry) in all().unwrap() {
        for (which, schema) in entry.as_object().unwrap() {
            strict_problems(schema, &format!("{tool}.{which}"), &mut problems);
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The check itself catches what schemars would write without the mapping.
    let mut caught = Vec::new();
    strict_problems(
        &serde_json::json!({"type": "object", "properties": {"n": {"type": "integer", "format": "uint64"}}, "x-width": 1}),
        "probe",
        &mut caught,
    );
    assert_eq!(caught.len(), 2, "{caught:?}");
}
