//! Scenario files: what they hold, and reading them with errors that name the file and
//! the line. The format is described in `docs/scenarios.md`.

use super::path::JsonPath;
use regex::Regex;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One scenario: steps run in order against one server.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario is called in reports.
    pub name: String,
    /// What it checks, for readers.
    #[serde(default)]
    pub description: Option<String>,
    /// The time limit of each step that sets none of its own.
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Skip the remaining steps after the first that fails.
    #[serde(default)]
    pub stop_on_failure: bool,
    /// Variables, in file order; values may use `${ENV_NAME:-default}`.
    #[serde(default)]
    pub variables: serde_norway::Mapping,
    /// The steps.
    pub steps: Vec<Step>,
}

/// One step: an operation and what must hold of its outcome.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawStep")]
pub struct Step {
    /// What the step is called in reports.
    pub name: String,
    /// What it does.
    pub operation: Operation,
    /// What must hold; `success` is implied unless `success` or `error` is listed.
    pub expect: Vec<Assertion>,
    /// Variables taken from the result for later steps: name and path.
    pub capture: Vec<(String, JsonPath)>,
    /// This step's own time limit.
    pub timeout: Option<Duration>,
}

/// What a step does. Strings in it may use `${variable}`.
#[derive(Debug)]
pub enum Operation {
    /// `tools/call`.
    ToolCall {
        /// The tool.
        name: String,
        /// Its arguments.
        arguments: Value,
    },
    /// `tools/list`, every page: the result is `{"tools": [...]}`.
    ListTools,
    /// `resources/list`, every page: `{"resources": [...]}`.
    ListResources,
    /// `resources/read`.
    ReadResource {
        /// The resource.
        uri: String,
    },
    /// `prompts/list`, every page: `{"prompts": [...]}`.
    ListPrompts,
    /// `prompts/get`.
    GetPrompt {
        /// The prompt.
        name: String,
        /// Its arguments (strings).
        arguments: Value,
    },
    /// An HTTP GET (a path on the server's origin, or a full URL): the result is
    /// `{"status": 200, "headers": {...}, "body": ...}`, the body parsed when it is JSON.
    HttpGet {
        /// The path or URL.
        url: String,
    },
    /// Steps run at the same time; their captures apply when all are done.
    Parallel(Vec<Step>),
}

impl Operation {
    /// The operation's key in a scenario file.
    pub fn keyword(&self) -> &'static str {
        match self {
            Operation::ToolCall { .. } => "tool_call",
            Operation::ListTools => "list_tools",
            Operation::ListResources => "list_resources",
            Operation::ReadResource { .. } => "read_resource",
            Operation::ListPrompts => "list_prompts",
            Operation::GetPrompt { .. } => "get_prompt",
            Operation::HttpGet { .. } => "http_get",
            Operation::Parallel(_) => "parallel",
        }
    }
}

/// Something that must hold of a step's outcome. `$` in paths is the result: the
/// JSON-RPC `result` of a call (for a tool, `content`, `structuredContent`, `isError`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Assertion {
    /// `true`: a result that is not an error (for a tool, not `isError`); `false`: an error.
    Success(bool),
    /// An error: a JSON-RPC error, a tool result with `isError: true`, or an HTTP error.
    Error(ErrorExpectation),
    /// The path selects something.
    FieldExists(JsonPath),
    /// The value at the path equals `value`.
    Equals(PathValue),
    /// The value at the path contains `value`: a substring of a string, an element of an
    /// array (objects match when they include `value`'s members), members of an object.
    Contains(PathValue),
    /// The value at the path (a string, or other values as JSON text) matches a regex.
    Matches(PathPattern),
    /// The length of the string, array or object at the path.
    Length(PathLength),
    /// How many values a JSONPath selects.
    JsonPath(PathCount),
    /// The step took at most `max` milliseconds.
    DurationMs(DurationBound),
    /// The tool's result has MCP's shape and its `structuredContent` validates against the
    /// tool's `outputSchema`.
    SchemaValid(bool),
}

/// What an `error` assertion asks for: any error (`error: true`), or one with a code or
/// a message matching a regex (`error: {code: -32602, message: "Unknown tool"}`).
#[derive(Debug, Deserialize)]
#[serde(try_from = "Value")]
pub struct ErrorExpectation {
    /// The JSON-RPC error code (tool errors have none).
    pub code: Option<i64>,
    /// A regex the error message must match.
    pub message: Option<Pattern>,
}

/// A path and a value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathValue {
    /// Where to look.
    pub path: JsonPath,
    /// The value; strings may use `${variable}`.
    pub value: Value,
}

/// A path and a regex.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathPattern {
    /// Where to look.
    pub path: JsonPath,
    /// The regex.
    pub pattern: Pattern,
}

/// A path and bounds on a length.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathLength {
    /// Where to look.
    pub path: JsonPath,
    /// Exactly this long.
    #[serde(default)]
    pub equals: Option<usize>,
    /// At least this long.
    #[serde(default)]
    pub min: Option<usize>,
    /// At most this long.
    #[serde(default)]
    pub max: Option<usize>,
}

/// A path and bounds on how many values it selects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathCount {
    /// The JSONPath.
    pub path: JsonPath,
    /// Exactly this many.
    #[serde(default)]
    pub count: Option<usize>,
    /// At least this many.
    #[serde(default)]
    pub min: Option<usize>,
    /// At most this many.
    #[serde(default)]
    pub max: Option<usize>,
}

/// The most milliseconds a step may take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationBound {
    /// Milliseconds.
    pub max: u64,
}

/// A regex, compiled when the file is read.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text)
            .map(Pattern)
            .map_err(|e| D::Error::custom(format!("invalid regex {text:?}: {e}")))
    }
}

impl<'de> Deserialize<'de> for JsonPath {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        JsonPath::parse(&text).map_err(D::Error::custom)
    }
}

impl TryFrom<Value> for ErrorExpectation {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        const SHAPE: &str =
            "`error` takes `true` or `{code: -32602, message: \"a regex\"}` (both optional)";
        match value {
            Value::Bool(true) => Ok(ErrorExpectation {
                code: None,
                message: None,
            }),
            Value::Object(mut members) => {
                let code = match members.remove("code") {
                    None => None,
                    Some(code) => Some(code.as_i64().ok_or_else(|| {
                        format!("`error.code` must be an integer, such as -32602, not {code}")
                    })?),
                };
                let message = match members.remove("message") {
                    None => None,
                    Some(Value::String(text)) => {
                        Some(Pattern(Regex::new(&text).map_err(|e| {
                            format!("invalid regex {text:?} in `error.message`: {e}")
                        })?))
                    }
                    Some(other) => {
                        return Err(format!(
                            "`error.message` must be a regex string, not {other}"
                        ))
                    }
                };
                if let Some(unknown) = members.keys().next() {
                    return Err(format!("unknown field `{unknown}` in `error`; {SHAPE}"));
                }
                Ok(ErrorExpectation { code, message })
            }
            other => Err(format!("{SHAPE}, not {other}")),
        }
    }
}

/// A step as written, before its operation is checked to be exactly one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    name: String,
    #[serde(default)]
    #[allow(dead_code)] // for readers of the file
    description: Option<String>,
    #[serde(default)]
    tool_call: Option<ToolCallArgs>,
    #[serde(default, deserialize_with = "present")]
    list_tools: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    list_resources: Option<Value>,
    #[serde(default)]
    read_resource: Option<ReadResourceArgs>,
    #[serde(default, deserialize_with = "present")]
    list_prompts: Option<Value>,
    #[serde(default)]
    get_prompt: Option<ToolCallArgs>,
    #[serde(default)]
    http_get: Option<String>,
    #[serde(default)]
    parallel: Option<Vec<Step>>,
    // Assertions are written as one-key maps (`- success: true`), not YAML tags.
    #[serde(
        default,
        deserialize_with = "serde_norway::with::singleton_map_recursive::deserialize"
    )]
    expect: Vec<Assertion>,
    #[serde(default)]
    capture: serde_norway::Mapping,
    #[serde(default, deserialize_with = "duration")]
    timeout: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolCallArgs {
    name: String,
    #[serde(default = "empty_object")]
    arguments: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadResourceArgs {
    uri: String,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl TryFrom<RawStep> for Step {
    type Error = String;

    fn try_from(raw: RawStep) -> Result<Self, String> {
        let name = raw.name;
        let mut operations = Vec::new();
        if let Some(call) = raw.tool_call {
            operations.push(Operation::ToolCall {
                name: call.name,
                arguments: call.arguments,
            });
        }
        if raw.list_tools.is_some() {
            operations.push(Operation::ListTools);
        }
        if raw.list_resources.is_some() {
            operations.push(Operation::ListResources);
        }
        if let Some(read) = raw.read_resource {
            operations.push(Operation::ReadResource { uri: read.uri });
        }
        if raw.list_prompts.is_some() {
            operations.push(Operation::ListPrompts);
        }
        if let Some(get) = raw.get_prompt {
            operations.push(Operation::GetPrompt {
                name: get.name,
                arguments: get.arguments,
            });
        }
        if let Some(url) = raw.http_get {
            operations.push(Operation::HttpGet { url });
        }
        if let Some(steps) = raw.parallel {
            operations.push(Operation::Parallel(steps));
        }
        const KEYS: &str = "tool_call, list_tools, list_resources, read_resource, list_prompts, \
                            get_prompt, http_get or parallel";
        let operation = match operations.len() {
            1 => operations.remove(0),
            0 => {
                return Err(format!(
                    "step {name:?} has no operation: give it one of {KEYS}"
                ))
            }
            _ => {
                let found: Vec<&str> = operations.iter().map(Operation::keyword).collect();
                return Err(format!(
                    "step {name:?} has {} operations ({}); a step does one thing",
                    found.len(),
                    found.join(", ")
                ));
            }
        };
        if matches!(operation, Operation::Parallel(_)) && !raw.expect.is_empty() {
            return Err(format!(
                "step {name:?}: a parallel group has no result of its own; put `expect` on its steps"
            ));
        }
        let mut capture = Vec::new();
        for (key, path) in raw.capture {
            let (Some(key), Some(path)) = (key.as_str(), path.as_str()) else {
                return Err(format!(
                    "step {name:?}: `capture` maps variable names to paths, such as `id: $.structuredContent.id`"
                ));
            };
            let path =
                JsonPath::parse(path).map_err(|e| format!("step {name:?}: capture {key}: {e}"))?;
            capture.push((key.to_owned(), path));
        }
        Ok(Step {
            name,
            operation,
            expect: raw.expect,
            capture,
            timeout: raw.timeout,
        })
    }
}

/// Reads a key that may be written with no value (`list_tools:`) as present.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A duration written `500ms`, `10s`, `1.5s`, `2m`, or a number of milliseconds.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        value => parse_duration(&value).map(Some).map_err(D::Error::custom),
    }
}

/// Reads a duration as scenario files and flags write it.
///
/// # Errors
/// A message that shows the accepted forms.
pub fn parse_duration(value: &Value) -> Result<Duration, String> {
    let bad = || format!("{value} is not a duration: write 500ms, 10s, 1.5s, 2m, or milliseconds");
    if let Some(ms) = value.as_u64() {
        return Ok(Duration::from_millis(ms));
    }
    let text = value.as_str().ok_or_else(bad)?.trim();
    let (number, unit) = match text.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(at) => text.split_at(at),
        None => (text, "ms"),
    };
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

/// A scenario file that cannot be used, and why.
#[derive(Debug)]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// The line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Reads and checks the scenario in `file`.
///
/// # Errors
/// A [`ScenarioError`] naming the file, the line and what is wrong.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|e| ScenarioError {
        file: file.to_owned(),
        line: None,
        message: format!("cannot read the file: {e}"),
    })?;
    parse(file, &text)
}

/// Reads a scenario from `text`, naming `file` in errors.
///
/// # Errors
/// As [`load`].
pub fn parse(file: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let scenario: Scenario = serde_norway::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        // The location is given separately; the message keeps what is wrong.
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(at) if line.is_some() => message[..at].to_owned(),
            _ => message,
        };
        ScenarioError {
            file: file.to_owned(),
            line,
            message,
        }
    })?;
    if scenario.steps.is_empty() {
        return Err(ScenarioError {
            file: file.to_owned(),
            line: None,
            message: "the scenario has no steps".to_owned(),
        });
    }
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> ScenarioError {
        parse(Path::new("s.yaml"), text).unwrap_err()
    }

    #[test]
    fn a_full_scenario_reads() {
        let scenario = parse(
            Path::new("s.yaml"),
            r#"
name: all
timeout: 2s
stop_on_failure: true
variables:
  who: ${USER:-nobody}
steps:
  - name: call
    tool_call: {name: echo, arguments: {text: "${who}"}}
    timeout: 1500ms
    capture: {said: $.structuredContent.text}
    expect:
      - success: true
      - error: {code: -32602, message: "^Unknown"}
      - field_exists: $.content
      - equals: {path: $.isError, value: false}
      - contains: {path: "$.content[0].text", value: "a"}
      - matches: {path: "$.content[0].text", pattern: "^a"}
      - length: {path: $.content, min: 1, max: 2}
      - json_path: {path: $..text, count: 1}
      - duration_ms: {max: 500}
      - schema_valid: true
  - name: list
    list_tools:
  - name: both
    parallel:
      - {name: a, list_resources: {}}
      - {name: b, read_resource: {uri: "x://y"}}
      - {name: c, list_prompts: {}}
      - {name: d, get_prompt: {name: p}}
      - {name: e, http_get: /health}
"#,
        )
        .unwrap();
        assert_eq!(scenario.timeout, Some(Duration::from_secs(2)));
        assert!(scenario.stop_on_failure);
        assert_eq!(scenario.steps.len(), 3);
        assert_eq!(scenario.steps[0].expect.len(), 10);
        assert_eq!(scenario.steps[0].timeout, Some(Duration::from_millis(1500)));
        assert_eq!(scenario.steps[0].capture[0].0, "said");
        assert!(matches!(scenario.steps[1].operation, Operation::ListTools));
        let Operation::Parallel(group) = &scenario.steps[2].operation else {
            panic!("a parallel group")
        };
        let keywords: Vec<&str> = group.iter().map(|s| s.operation.keyword()).collect();
        assert_eq!(
            keywords,
            [
                "list_resources",
                "read_resource",
                "list_prompts",
                "get_prompt",
                "http_get"
            ]
        );
    }

    #[test]
    fn mistakes_name_the_line_and_what_is_wrong() {
        let cases = [
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    expekt: []\n", 5, "unknown field `expekt`"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    expect:\n      - sucess: true\n", 6, "unknown variant `sucess`"),
            ("name: x\nsteps:\n  - name: a\n", 3, "has no operation"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    list_prompts: {}\n", 3, "has 2 operations"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    expect:\n      - matches: {path: $.a, pattern: \"(\"}\n", 6, "invalid regex"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    expect:\n      - field_exists: rows\n", 6, "must start with `$`"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    timeout: soon\n", 3, "not a duration"),
            ("name: x\nsteps:\n  - name: a\n    list_tools: {}\n    expect:\n      - error: {code: x}\n", 6, "must be an integer"),
            ("name: x\nsteps: [\n", 3, "did not find expected node content"),
        ];
        for (text, line, message) in cases {
            let err = error_of(text);
            assert!(err.message.contains(message), "{text}: {err}");
            assert_eq!(err.line, Some(line), "{text}: {err}");
            assert!(
                err.to_string().starts_with(&format!("s.yaml:{line}: ")),
                "{err}"
            );
        }
        assert!(error_of("name: x\nsteps: []\n")
            .message
            .contains("no steps"));
        assert!(error_of("steps: []\n")
            .message
            .contains("missing field `name`"));
    }

    #[test]
    fn durations() {
        for (text, ms) in [
            ("500ms", 500),
            ("2s", 2000),
            ("1.5s", 1500),
            ("2m", 120_000),
            ("250", 250),
        ] {
            assert_eq!(
                parse_duration(&Value::String(text.into())).unwrap(),
                Duration::from_millis(ms),
                "{text}"
            );
        }
        assert_eq!(
            parse_duration(&serde_json::json!(40)).unwrap(),
            Duration::from_millis(40)
        );
        for bad in ["", "s", "5h", "-1s", "1..2s"] {
            assert!(parse_duration(&Value::String(bad.into())).is_err(), "{bad}");
        }
    }
}
