//! Tool parameters mirrored into HTTP headers: a property of a tool's input schema marked
//! `"x-mcp-header": "Region"` travels, on the 2026-07-28 HTTP transport, both in the
//! arguments and as an `Mcp-Param-Region` header, so gateways can route or rate-limit on
//! it without reading the body. The server checks that the two agree.

use serde_json::{Map, Value};

/// The schema keyword that marks a mirrored parameter.
const ANNOTATION: &str = "x-mcp-header";

/// One mirrored parameter: where its value sits in the arguments, and its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MirroredParam {
    /// The chain of `properties` keys from the arguments object to the value.
    pub(crate) path: Vec<String>,
    /// The header's name after `Mcp-Param-`, as the annotation spells it.
    pub(crate) header: String,
}

impl MirroredParam {
    /// The argument's value, when the arguments hold one (`null` counts as none).
    pub(crate) fn value_in<'a>(&self, arguments: Option<&'a Value>) -> Option<&'a Value> {
        self.path
            .iter()
            .try_fold(arguments?, |value, key| value.get(key))
            .filter(|value| !value.is_null())
    }

    /// Where the argument is, for messages: `region`, `options.region`.
    pub(crate) fn dotted_path(&self) -> String {
        self.path.join(".")
    }
}

/// The mirrored parameters `schema` declares, or why its annotations are invalid: each
/// must name a header token unique in the schema (ignoring case), sit on a `string`,
/// `integer` or `boolean` property, and be reachable from the root through `properties`
/// alone (not through `items`, `$ref`, `oneOf`, and the like).
pub(crate) fn mirrored_params(schema: &Value) -> Result<Vec<MirroredParam>, String> {
    let mut found = Vec::new();
    walk(schema, &mut Vec::new(), true, &mut found)?;
    Ok(found)
}

fn walk(
    node: &Value,
    path: &mut Vec<String>,
    reachable: bool,
    found: &mut Vec<MirroredParam>,
) -> Result<(), String> {
    let object = match node {
        Value::Object(object) => object,
        Value::Array(items) => {
            for item in items {
                walk(item, path, false, found)?;
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    if let Some(annotation) = object.get(ANNOTATION) {
        found.push(annotated(object, annotation, path, reachable, found)?);
    }
    for (keyword, value) in object {
        match keyword.as_str() {
            "properties" => {
                for (name, property) in value.as_object().into_iter().flatten() {
                    path.push(name.clone());
                    walk(property, path, reachable, found)?;
                    path.pop();
                }
            }
            // Instance data, not schemas: a key spelled like the annotation there is data.
            "default" | "const" | "enum" | "examples" | ANNOTATION => {}
            _ => walk(value, path, false, found)?,
        }
    }
    Ok(())
}

/// The parameter an annotated property declares, checked.
fn annotated(
    property: &Map<String, Value>,
    annotation: &Value,
    path: &[String],
    reachable: bool,
    found: &[MirroredParam],
) -> Result<MirroredParam, String> {
    let at = if path.is_empty() {
        "the schema root".to_owned()
    } else {
        format!("`{}`", path.join("."))
    };
    let header = annotation
        .as_str()
        .ok_or_else(|| format!("{ANNOTATION} at {at} must be a string"))?;
    if header.is_empty() || !header.bytes().all(is_token_char) {
        return Err(format!(
            "{ANNOTATION} {header:?} at {at} must be a non-empty HTTP token (letters, digits, \
             and !#$%&'*+-.^_`|~)"
        ));
    }
    if !reachable || path.is_empty() {
        return Err(format!(
            "{ANNOTATION} {header:?} must sit on a property reached from the root through \
             `properties` only, not inside items, $ref, $defs or a combinator"
        ));
    }
    let kind = property.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("string" | "integer" | "boolean")) {
        return Err(format!(
            "{ANNOTATION} {header:?} is on {at}, which must have type string, integer or boolean"
        ));
    }
    if found
        .iter()
        .any(|other| other.header.eq_ignore_ascii_case(header))
    {
        return Err(format!(
            "{ANNOTATION} {header:?} is used twice (header names ignore case)"
        ));
    }
    Ok(MirroredParam {
        path: path.to_vec(),
        header: header.to_owned(),
    })
}

/// RFC 9110 `tchar`: the characters of a header name.
pub(crate) fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_parameters_reached_through_properties() {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": {"type": "string", "x-mcp-header": "Region"},
                "options": {"type": "object", "properties": {
                    "limit": {"type": "integer", "x-mcp-header": "Limit"}
                }},
                "note": {"type": "string", "default": {"x-mcp-header": "NotASchema"}}
            }
        });
        let found = mirrored_params(&schema).unwrap();
        let headers: Vec<_> = found
            .iter()
            .map(|p| (p.dotted_path(), p.header.as_str()))
            .collect();
        assert_eq!(
            headers,
            [
                ("options.limit".to_owned(), "Limit"),
                ("region".to_owned(), "Region")
            ]
        );
        let arguments = json!({"options": {"limit": 5}, "region": null});
        assert_eq!(found[0].value_in(Some(&arguments)), Some(&json!(5)));
        assert_eq!(found[1].value_in(Some(&arguments)), None);
    }

    #[test]
    fn refuses_annotations_that_break_the_rules() {
        let property =
            |annotation: Value| json!({"type": "object", "properties": {"p": annotation}});
        let cases = [
            (
                property(json!({"type": "number", "x-mcp-header": "P"})),
                "type string, integer or boolean",
            ),
            (
                property(json!({"type": "string", "x-mcp-header": ""})),
                "non-empty HTTP token",
            ),
            (
                property(json!({"type": "string", "x-mcp-header": "Bad Name"})),
                "non-empty HTTP token",
            ),
            (
                property(json!({"type": "string", "x-mcp-header": 7})),
                "must be a string",
            ),
            (
                property(
                    json!({"type": "array", "items": {"type": "string", "x-mcp-header": "Item"}}),
                ),
                "through `properties` only",
            ),
            (
                json!({"type": "object", "properties": {"p": {"$ref": "#/$defs/P"}},
                       "$defs": {"P": {"type": "object", "properties": {"q": {"type": "string", "x-mcp-header": "Q"}}}}}),
                "through `properties` only",
            ),
            (
                json!({"type": "object", "properties": {
                    "a": {"type": "string", "x-mcp-header": "Region"},
                    "b": {"type": "string", "x-mcp-header": "region"}}}),
                "used twice",
            ),
            (
                json!({"type": "object", "x-mcp-header": "Root"}),
                "through `properties` only",
            ),
        ];
        for (schema, expected) in cases {
            let err = mirrored_params(&schema).unwrap_err();
            assert!(err.contains(expected), "{schema}: {err}");
        }
    }
}
