//! Checking a step's outcome against its assertions.

use super::path::JsonPath;
use super::scenario::Assertion;
use super::vars::Variables;
use edgemcp::client::ClientError;
use serde_json::Value;
use std::time::Duration;

/// How much of a value a failure message shows.
const SHOWN_CHARS: usize = 200;

/// What a step brought back, as assertions see it.
#[derive(Debug)]
pub struct Observation<'a> {
    /// The result, or why there is none.
    pub outcome: &'a Result<Value, ClientError>,
    /// How long the step took.
    pub duration: Duration,
    /// For an `http_get`, the answer is a result whose `status` says whether it failed.
    pub http: bool,
    /// For a `tool_call`, the tool's `outputSchema` (`None` inside when it declares none);
    /// `None` for other operations.
    pub output_schema: Option<Option<&'a Value>>,
}

impl Observation<'_> {
    /// Whether the outcome is an error: a JSON-RPC or HTTP error, a tool result with
    /// `isError: true`, or an `http_get` answered with a status of 400 or more.
    pub fn is_error(&self) -> bool {
        match self.outcome {
            Err(_) => true,
            Ok(result) if self.http => result["status"].as_u64().is_none_or(|s| s >= 400),
            Ok(result) => result.get("isError") == Some(&Value::Bool(true)),
        }
    }

    /// The error's message: the JSON-RPC message, or the text of a tool error.
    fn error_message(&self) -> String {
        match self.outcome {
            Err(ClientError::Rpc(error)) => error.message.clone(),
            Err(other) => other.to_string(),
            Ok(result) if self.http => match &result["body"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            },
            Ok(result) => result["content"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item["text"].as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default(),
        }
    }

    fn code(&self) -> Option<i64> {
        match self.outcome {
            Err(ClientError::Rpc(error)) => Some(error.code),
            _ => None,
        }
    }
}

/// Checks `assertion`; the failure message says what was expected and what came back.
///
/// # Errors
/// The failure, as a message.
pub fn check(
    assertion: &Assertion,
    seen: &Observation<'_>,
    vars: &Variables,
) -> Result<(), String> {
    match assertion {
        Assertion::Success(true) => {
            if seen.is_error() {
                Err(format!(
                    "expected success, received an error: {}",
                    clip(&seen.error_message())
                ))
            } else {
                Ok(())
            }
        }
        Assertion::Success(false) => expect_error(seen, None, None),
        Assertion::Error(expected) => {
            expect_error(seen, expected.code, expected.message.as_ref().map(|p| &p.0))
        }
        Assertion::DurationMs(bound) => {
            let took = seen.duration.as_millis();
            if took <= u128::from(bound.max) {
                Ok(())
            } else {
                Err(format!(
                    "duration_ms: took {took} ms, more than the {} ms allowed",
                    bound.max
                ))
            }
        }
        Assertion::SchemaValid(expected) => {
            let problems = schema_problems(seen)?;
            match (problems.is_empty(), expected) {
                (true, true) | (false, false) => Ok(()),
                (false, true) => Err(format!("schema_valid: {}", problems.join("; "))),
                (true, false) => Err("schema_valid: false, but the result is valid".to_owned()),
            }
        }
        path_assertion => {
            let result = seen.outcome.as_ref().map_err(|e| {
                format!(
                    "{}: there is no result to look into: {e}",
                    keyword(path_assertion)
                )
            })?;
            check_path(path_assertion, result, vars)
        }
    }
}

fn expect_error(
    seen: &Observation<'_>,
    code: Option<i64>,
    message: Option<&regex::Regex>,
) -> Result<(), String> {
    if !seen.is_error() {
        let shown = seen.outcome.as_ref().map(clip_value).unwrap_or_default();
        return Err(format!("expected an error, received a result: {shown}"));
    }
    if let Some(code) = code {
        match seen.code() {
            Some(got) if got == code => {}
            Some(got) => {
                return Err(format!(
                    "expected error code {code}, received {got}: {}",
                    clip(&seen.error_message())
                ))
            }
            None => {
                return Err(format!(
                    "expected JSON-RPC error {code}, received a tool error (isError) or an HTTP error without a code: {}",
                    clip(&seen.error_message())
                ))
            }
        }
    }
    if let Some(pattern) = message {
        let text = seen.error_message();
        if !pattern.is_match(&text) {
            return Err(format!(
                "expected an error message matching /{pattern}/, received {:?}",
                clip(&text)
            ));
        }
    }
    Ok(())
}

fn check_path(assertion: &Assertion, result: &Value, vars: &Variables) -> Result<(), String> {
    let at = |path: &JsonPath| {
        path.resolve(result).ok_or_else(|| {
            format!(
                "{} {path}: the path selects nothing in {}",
                keyword(assertion),
                clip_value(result)
            )
        })
    };
    match assertion {
        Assertion::FieldExists(path) => {
            if path.select(result).is_empty() {
                Err(format!(
                    "field_exists {path}: nothing there in {}",
                    clip_value(result)
                ))
            } else {
                Ok(())
            }
        }
        Assertion::Equals(expected) => {
            let want = vars.substitute(&expected.value)?;
            let got = at(&expected.path)?;
            if json_equal(&got, &want) {
                Ok(())
            } else {
                Err(format!(
                    "equals {}: expected {}, received {}",
                    expected.path,
                    clip_value(&want),
                    clip_value(&got)
                ))
            }
        }
        Assertion::Contains(expected) => {
            let want = vars.substitute(&expected.value)?;
            let got = at(&expected.path)?;
            if contains(&got, &want) {
                Ok(())
            } else {
                Err(format!(
                    "contains {}: {} does not contain {}",
                    expected.path,
                    clip_value(&got),
                    clip_value(&want)
                ))
            }
        }
        Assertion::Matches(expected) => {
            let got = at(&expected.path)?;
            let text = match &got {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if expected.pattern.0.is_match(&text) {
                Ok(())
            } else {
                Err(format!(
                    "matches {}: {:?} does not match /{}/",
                    expected.path,
                    clip(&text),
                    expected.pattern.0
                ))
            }
        }
        Assertion::Length(bounds) => {
            let got = at(&bounds.path)?;
            let length = match &got {
                Value::String(text) => text.chars().count(),
                Value::Array(items) => items.len(),
                Value::Object(members) => members.len(),
                other => {
                    return Err(format!(
                        "length {}: {} has no length",
                        bounds.path,
                        clip_value(other)
                    ))
                }
            };
            within(
                "length",
                &bounds.path,
                length,
                bounds.equals,
                bounds.min,
                bounds.max,
            )
        }
        Assertion::JsonPath(bounds) => {
            let count = bounds.path.select(result).len();
            within(
                "json_path",
                &bounds.path,
                count,
                bounds.count,
                bounds.min,
                bounds.max,
            )
        }
        _ => Ok(()),
    }
}

fn within(
    what: &str,
    path: &JsonPath,
    n: usize,
    equals: Option<usize>,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<(), String> {
    let noun = if what == "length" {
        "length"
    } else {
        "values selected"
    };
    if equals.is_some_and(|e| n != e) {
        return Err(format!(
            "{what} {path}: {noun} {n}, expected {}",
            equals.unwrap_or_default()
        ));
    }
    if min.is_some_and(|m| n < m) {
        return Err(format!(
            "{what} {path}: {noun} {n}, expected at least {}",
            min.unwrap_or_default()
        ));
    }
    if max.is_some_and(|m| n > m) {
        return Err(format!(
            "{what} {path}: {noun} {n}, expected at most {}",
            max.unwrap_or_default()
        ));
    }
    Ok(())
}

/// Equality where numbers compare by value (`1` equals `1.0`).
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Whether `haystack` contains `needle`: see [`Assertion::Contains`].
fn contains(haystack: &Value, needle: &Value) -> bool {
    match (haystack, needle) {
        (Value::String(text), Value::String(part)) => text.contains(part.as_str()),
        (Value::String(text), other) => text.contains(&other.to_string()),
        (Value::Array(items), needle) => items.iter().any(|item| includes(item, needle)),
        (Value::Object(_), Value::Object(_)) => includes(haystack, needle),
        _ => false,
    }
}

/// Whether `value` equals `pattern`, where an object pattern needs only its own members.
fn includes(value: &Value, pattern: &Value) -> bool {
    match (value, pattern) {
        (Value::Object(members), Value::Object(wanted)) => wanted
            .iter()
            .all(|(k, w)| members.get(k).is_some_and(|v| includes(v, w))),
        _ => json_equal(value, pattern),
    }
}

/// What is wrong with a tool result's shape and its `structuredContent`.
fn schema_problems(seen: &Observation<'_>) -> Result<Vec<String>, String> {
    let Some(output_schema) = seen.output_schema else {
        return Err("schema_valid applies to tool_call steps".to_owned());
    };
    let result = seen
        .outcome
        .as_ref()
        .map_err(|e| format!("schema_valid: there is no result to check: {e}"))?;
    let mut problems = Vec::new();
    match result.get("content") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !item.get("type").is_some_and(Value::is_string) {
                    problems.push(format!("content[{i}] has no string `type`"));
                }
            }
        }
        _ => problems.push("the result has no `content` array".to_owned()),
    }
    if result.get("isError").is_some_and(|e| !e.is_boolean()) {
        problems.push("`isError` is not a boolean".to_owned());
    }
    let failed = result.get("isError") == Some(&Value::Bool(true));
    if let (Some(schema), false) = (output_schema, failed) {
        match result.get("structuredContent") {
            None => problems.push(
                "the tool declares an outputSchema, but the result has no structuredContent"
                    .to_owned(),
            ),
            Some(content) => match jsonschema::validator_for(schema) {
                Err(e) => problems.push(format!(
                    "the tool's outputSchema is not a valid JSON Schema: {e}"
                )),
                Ok(validator) => problems.extend(
                    validator
                        .iter_errors(content)
                        .take(5)
                        .map(|e| format!("structuredContent{}: {e}", e.instance_path())),
                ),
            },
        }
    }
    Ok(problems)
}

fn keyword(assertion: &Assertion) -> &'static str {
    match assertion {
        Assertion::Success(_) => "success",
        Assertion::Error(_) => "error",
        Assertion::FieldExists(_) => "field_exists",
        Assertion::Equals(_) => "equals",
        Assertion::Contains(_) => "contains",
        Assertion::Matches(_) => "matches",
        Assertion::Length(_) => "length",
        Assertion::JsonPath(_) => "json_path",
        Assertion::DurationMs(_) => "duration_ms",
        Assertion::SchemaValid(_) => "schema_valid",
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(SHOWN_CHARS).collect();
        short.push('…');
        short
    }
}

fn clip_value(value: &Value) -> String {
    clip(&value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tester::scenario::parse;
    use edgemcp::jsonrpc::ErrorObject;
    use serde_json::json;
    use std::path::Path;

    /// The assertions of a one-step scenario whose step has `expect`.
    fn assertions(expect: &str) -> Vec<Assertion> {
        let text =
            format!("name: t\nsteps:\n  - name: s\n    list_tools: {{}}\n    expect:\n{expect}");
        let mut scenario = parse(Path::new("t.yaml"), &text).unwrap();
        scenario.steps.remove(0).expect
    }

    fn holds(
        expect: &str,
        outcome: &Result<Value, ClientError>,
        schema: Option<Option<&Value>>,
    ) -> Result<(), String> {
        let mut vars = Variables::new([]);
        vars.set("id", json!(7));
        let seen = Observation {
            outcome,
            duration: Duration::from_millis(20),
            http: false,
            output_schema: schema,
        };
        for assertion in assertions(expect) {
            check(&assertion, &seen, &vars)?;
        }
        Ok(())
    }

    fn result() -> Result<Value, ClientError> {
        Ok(json!({
            "content": [{"type": "text", "text": "Ada Lovelace"}],
            "structuredContent": {"id": 7, "rows": [{"name": "Ada", "n": 1.0}, {"name": "Alan", "n": 2}]},
        }))
    }

    #[test]
    fn each_assertion_passes_and_fails() {
        let ok = result();
        let pairs = [
            ("      - success: true\n", "      - success: false\n"),
            (
                "      - field_exists: $.structuredContent.rows\n",
                "      - field_exists: $.structuredContent.missing\n",
            ),
            (
                "      - equals: {path: $.structuredContent.id, value: \"${id}\"}\n",
                "      - equals: {path: $.structuredContent.id, value: 8}\n",
            ),
            (
                "      - equals: {path: \"$.structuredContent.rows[0].n\", value: 1}\n",
                "      - equals: {path: \"$.structuredContent.rows[0].n\", value: \"1\"}\n",
            ),
            (
                "      - contains: {path: \"$.content[0].text\", value: Love}\n",
                "      - contains: {path: \"$.content[0].text\", value: Hopper}\n",
            ),
            (
                "      - contains: {path: $.structuredContent.rows, value: {name: Alan}}\n",
                "      - contains: {path: $.structuredContent.rows, value: {name: Grace}}\n",
            ),
            (
                "      - contains: {path: \"$.structuredContent.rows[*].name\", value: Ada}\n",
                "      - contains: {path: \"$.structuredContent.rows[*].name\", value: Linus}\n",
            ),
            (
                "      - matches: {path: \"$.content[0].text\", pattern: \"^Ada \"}\n",
                "      - matches: {path: \"$.content[0].text\", pattern: \"^Alan\"}\n",
            ),
            (
                "      - length: {path: $.structuredContent.rows, equals: 2}\n",
                "      - length: {path: $.structuredContent.rows, min: 3}\n",
            ),
            (
                "      - length: {path: \"$.content[0].text\", max: 12}\n",
                "      - length: {path: \"$.content[0].text\", max: 11}\n",
            ),
            (
                "      - json_path: {path: $..name, count: 2}\n",
                "      - json_path: {path: $..name, max: 1}\n",
            ),
            (
                "      - duration_ms: {max: 20}\n",
                "      - duration_ms: {max: 19}\n",
            ),
        ];
        for (passing, failing) in pairs {
            assert_eq!(holds(passing, &ok, None), Ok(()), "{passing}");
            let err = holds(failing, &ok, None).unwrap_err();
            assert!(!err.is_empty(), "{failing}");
        }
        let err = holds(
            "      - equals: {path: $.structuredContent.id, value: 8}\n",
            &ok,
            None,
        )
        .unwrap_err();
        assert_eq!(err, "equals $.structuredContent.id: expected 8, received 7");
        let err = holds("      - equals: {path: $.nothing, value: 8}\n", &ok, None).unwrap_err();
        assert!(err.contains("the path selects nothing"), "{err}");
    }

    #[test]
    fn errors_match_by_kind_code_and_message() {
        let rpc = Err(ClientError::Rpc(ErrorObject::new(
            -32602,
            "Unknown tool: nope.",
        )));
        let tool_error =
            Ok(json!({"content": [{"type": "text", "text": "limit is 0"}], "isError": true}));
        assert_eq!(holds("      - error: true\n", &rpc, None), Ok(()));
        assert_eq!(
            holds(
                "      - error: {code: -32602, message: \"^Unknown tool\"}\n",
                &rpc,
                None
            ),
            Ok(())
        );
        assert!(holds("      - error: {code: -32601}\n", &rpc, None)
            .unwrap_err()
            .contains("received -32602"));
        assert!(holds("      - error: {message: nope$}\n", &rpc, None)
            .unwrap_err()
            .contains("matching"));
        assert_eq!(
            holds("      - error: {message: limit}\n", &tool_error, None),
            Ok(())
        );
        assert!(holds("      - error: {code: -32602}\n", &tool_error, None)
            .unwrap_err()
            .contains("tool error"));
        assert!(holds("      - success: true\n", &tool_error, None)
            .unwrap_err()
            .contains("limit is 0"));
        assert!(holds("      - error: true\n", &result(), None)
            .unwrap_err()
            .contains("received a result"));
        let err = holds("      - field_exists: $.x\n", &rpc, None).unwrap_err();
        assert!(err.contains("no result to look into"), "{err}");
    }

    #[test]
    fn results_are_checked_against_the_output_schema() {
        let schema = json!({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]});
        let valid = result();
        assert_eq!(
            holds("      - schema_valid: true\n", &valid, Some(Some(&schema))),
            Ok(())
        );
        let wrong = Ok(json!({"content": [], "structuredContent": {"id": "seven"}}));
        let err = holds("      - schema_valid: true\n", &wrong, Some(Some(&schema))).unwrap_err();
        assert!(err.contains("structuredContent/id"), "{err}");
        assert_eq!(
            holds("      - schema_valid: false\n", &wrong, Some(Some(&schema))),
            Ok(())
        );
        let missing = Ok(json!({"content": [{"type": "text", "text": "7"}]}));
        let err = holds(
            "      - schema_valid: true\n",
            &missing,
            Some(Some(&schema)),
        )
        .unwrap_err();
        assert!(err.contains("no structuredContent"), "{err}");
        // Without an output schema only MCP's own shape is checked; a tool error need
        // not match the schema.
        assert_eq!(
            holds("      - schema_valid: true\n", &missing, Some(None)),
            Ok(())
        );
        let failed = Ok(json!({"content": [{"type": "text", "text": "no"}], "isError": true}));
        assert_eq!(
            holds("      - schema_valid: true\n", &failed, Some(Some(&schema))),
            Ok(())
        );
        let shapeless = Ok(json!({"content": [{"text": "no type"}], "isError": "yes"}));
        let err = holds("      - schema_valid: true\n", &shapeless, Some(None)).unwrap_err();
        assert!(
            err.contains("content[0] has no string `type`")
                && err.contains("`isError` is not a boolean"),
            "{err}"
        );
        let err = holds("      - schema_valid: true\n", &valid, None).unwrap_err();
        assert!(err.contains("applies to tool_call steps"), "{err}");
    }
}
