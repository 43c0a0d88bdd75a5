//! Running scenarios against a server: one connection per scenario, steps in order,
//! parallel groups at once.

use super::assert::{check, Observation};
use super::report::Reporter;
use super::scenario::{Assertion, Operation, Scenario, Step};
use super::vars::Variables;
use crate::client::{HttpTransport, StdioTransport};
use edgemcp::client::{Client, ClientError, ClientTransport, Outgoing};
use edgemcp::protocol::{Implementation, ProtocolVersion};
use edgemcp::runtime::BoxFuture;
use futures_util::future::join_all;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The time limit of a step when neither it nor its scenario sets one.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The server under test.
#[derive(Debug, Clone)]
pub enum Target {
    /// A Streamable HTTP endpoint.
    Http {
        /// The MCP URL.
        url: String,
        /// Headers for every request (credentials), never printed.
        headers: Vec<(String, String)>,
    },
    /// A command whose stdio speaks newline-delimited JSON-RPC.
    Stdio {
        /// The program.
        program: String,
        /// Its arguments.
        args: Vec<String>,
    },
}

/// How the runner connects.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// The server.
    pub target: Target,
    /// The revision to speak, or the newest both sides speak.
    pub revision: Option<ProtocolVersion>,
    /// The step time limit when a scenario sets none.
    pub timeout: Duration,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every assertion held.
    Passed,
    /// An assertion did not hold.
    Failed,
    /// The step could not get an answer: unreachable server, broken answer, time limit.
    Errored,
    /// Not run: an earlier step failed and the scenario stops on failure.
    Skipped,
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// The step's name (`group / step` inside a parallel group).
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// How long its operation took.
    pub duration: Duration,
    /// What went wrong, one line each.
    pub messages: Vec<String>,
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: String,
    /// Its file.
    pub file: PathBuf,
    /// Its steps, in order.
    pub steps: Vec<StepResult>,
    /// How long it took, connection included.
    pub duration: Duration,
}

impl ScenarioResult {
    /// Whether every step passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.status == Status::Passed)
    }
}

/// The transports a run can use, as one type.
pub(super) enum AnyTransport {
    Http(HttpTransport),
    Stdio(StdioTransport),
}

impl ClientTransport for AnyTransport {
    fn send<'a>(
        &'a self,
        outgoing: Outgoing<'a>,
    ) -> BoxFuture<'a, Result<Option<Value>, ClientError>> {
        match self {
            AnyTransport::Http(http) => http.send(outgoing),
            AnyTransport::Stdio(stdio) => stdio.send(outgoing),
        }
    }
}

/// A connected scenario: the client, and each tool's output schema for `schema_valid`.
struct Session {
    client: Client<AnyTransport>,
    output_schemas: HashMap<String, Option<Value>>,
    base_url: Option<String>,
}

/// Connects to the target in the settings' revision.
///
/// # Errors
/// The client's error: unreachable server, no common revision.
pub(super) async fn open(settings: &RunSettings) -> Result<Client<AnyTransport>, ClientError> {
    let transport = match &settings.target {
        Target::Http { url, headers } => {
            AnyTransport::Http(HttpTransport::new(url, headers.clone(), settings.timeout)?)
        }
        Target::Stdio { program, args } => {
            AnyTransport::Stdio(StdioTransport::spawn(program, args)?)
        }
    };
    let info = Implementation::new("edgemcp-test", env!("CARGO_PKG_VERSION"));
    let connecting = Client::connect_with(transport, info, settings.revision);
    tokio::time::timeout(settings.timeout, connecting)
        .await
        .map_err(|_| {
            ClientError::Transport(format!(
                "no answer to the handshake in {}",
                show(settings.timeout)
            ))
        })?
}

impl Session {
    async fn open(settings: &RunSettings) -> Result<Self, ClientError> {
        let client = open(settings).await?;
        // Listing the tools first gives the client their mirrored parameters (the
        // `Mcp-Param-*` headers of 2026-07-28) and the runner their output schemas. A
        // server without tools answers with an error, which is fine.
        let tools = client.list_tools().await.unwrap_or_default();
        let output_schemas = tools
            .iter()
            .filter_map(|tool| {
                Some((
                    tool["name"].as_str()?.to_owned(),
                    tool.get("outputSchema").cloned(),
                ))
            })
            .collect();
        let base_url = match &settings.target {
            Target::Http { url, .. } => Some(url.clone()),
            Target::Stdio { .. } => None,
        };
        Ok(Session {
            client,
            output_schemas,
            base_url,
        })
    }
}

/// Runs `scenario` (read from `file`), reporting each step as it ends.
pub async fn run_scenario(
    scenario: &Scenario,
    file: PathBuf,
    settings: &RunSettings,
    reporter: &mut dyn Reporter,
) -> ScenarioResult {
    let started = Instant::now();
    reporter.scenario_started(&scenario.name, &file);
    let mut result = ScenarioResult {
        name: scenario.name.clone(),
        file,
        steps: Vec::new(),
        duration: Duration::ZERO,
    };
    let limit = scenario.timeout.unwrap_or(settings.timeout);
    let prepared = prepare_variables(scenario);
    let session = match prepared {
        Err(message) => Err(message),
        Ok(vars) => Session::open(settings)
            .await
            .map(|session| (session, vars))
            .map_err(|e| format!("could not connect: {e}")),
    };
    let (session, mut vars) = match session {
        Ok(ready) => ready,
        Err(message) => {
            for step in &scenario.steps {
                let step = StepResult {
                    name: step.name.clone(),
                    status: Status::Errored,
                    duration: Duration::ZERO,
                    messages: vec![message.clone()],
                };
                reporter.step_finished(&step);
                result.steps.push(step);
            }
            result.duration = started.elapsed();
            reporter.scenario_finished(&result);
            return result;
        }
    };
    let mut stop = false;
    for step in &scenario.steps {
        if stop {
            let skipped = skipped_results(step, "");
            for step in skipped {
                reporter.step_finished(&step);
                result.steps.push(step);
            }
            continue;
        }
        let (outcomes, captures) = run_step(&session, step, &vars, limit, "").await;
        for (name, value) in captures {
            vars.set(&name, value);
        }
        for outcome in outcomes {
            stop |= scenario.stop_on_failure && outcome.status != Status::Passed;
            reporter.step_finished(&outcome);
            result.steps.push(outcome);
        }
    }
    result.duration = started.elapsed();
    reporter.scenario_finished(&result);
    result
}

/// The scenario's `variables`, each substituted in file order (so later ones may use
/// earlier ones and the environment).
fn prepare_variables(scenario: &Scenario) -> Result<Variables, String> {
    let mut vars = Variables::new(std::env::vars());
    for (key, value) in &scenario.variables {
        let name = key
            .as_str()
            .ok_or_else(|| format!("variable names must be strings, not {key:?}"))?;
        let value: Value = serde_norway::from_value(value.clone())
            .map_err(|e| format!("variable `{name}` is not a JSON value: {e}"))?;
        let value = vars
            .substitute(&value)
            .map_err(|e| format!("variable `{name}`: {e}"))?;
        vars.set(name, value);
    }
    Ok(vars)
}

fn skipped_results(step: &Step, prefix: &str) -> Vec<StepResult> {
    let name = format!("{prefix}{}", step.name);
    match &step.operation {
        Operation::Parallel(steps) => steps
            .iter()
            .flat_map(|child| skipped_results(child, &format!("{name} / ")))
            .collect(),
        _ => vec![StepResult {
            name,
            status: Status::Skipped,
            duration: Duration::ZERO,
            messages: vec!["an earlier step failed and the scenario stops on failure".to_owned()],
        }],
    }
}

type StepRun<'a> = BoxFuture<'a, (Vec<StepResult>, Vec<(String, Value)>)>;

/// Runs one step (a parallel group: all its steps at once); returns the results and the
/// variables captured.
fn run_step<'a>(
    session: &'a Session,
    step: &'a Step,
    vars: &'a Variables,
    limit: Duration,
    prefix: &'a str,
) -> StepRun<'a> {
    Box::pin(async move {
        let name = format!("{prefix}{}", step.name);
        if let Operation::Parallel(steps) = &step.operation {
            let group = format!("{name} / ");
            let runs = steps
                .iter()
                .map(|child| run_step(session, child, vars, limit, &group));
            let (mut results, mut captures) = (Vec::new(), Vec::new());
            for (r, c) in join_all(runs).await {
                results.extend(r);
                captures.extend(c);
            }
            return (results, captures);
        }
        let limit = step.timeout.unwrap_or(limit);
        let started = Instant::now();
        let outcome =
            match tokio::time::timeout(limit, perform(session, &step.operation, vars)).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(message)) => {
                    return (
                        vec![StepResult {
                            name,
                            status: Status::Failed,
                            duration: started.elapsed(),
                            messages: vec![message],
                        }],
                        Vec::new(),
                    );
                }
                Err(_) => Err(ClientError::Transport(format!(
                    "timed out after {}",
                    show(limit)
                ))),
            };
        let duration = started.elapsed();
        if let Err(
            err @ (ClientError::Transport(_)
            | ClientError::InvalidResponse(_)
            | ClientError::Unsupported(_)),
        ) = &outcome
        {
            return (
                vec![StepResult {
                    name,
                    status: Status::Errored,
                    duration,
                    messages: vec![err.to_string()],
                }],
                Vec::new(),
            );
        }
        let output_schema = match &step.operation {
            Operation::ToolCall { name, .. } => {
                let tool = vars.substitute_str(name).unwrap_or_default();
                Some(session.output_schemas.get(&tool).and_then(Option::as_ref))
            }
            _ => None,
        };
        let seen = Observation {
            outcome: &outcome,
            duration,
            http: matches!(step.operation, Operation::HttpGet { .. }),
            output_schema,
        };
        let mut messages = Vec::new();
        let states_outcome = step
            .expect
            .iter()
            .any(|a| matches!(a, Assertion::Success(_) | Assertion::Error(_)));
        if !states_outcome {
            if let Err(message) = check(&Assertion::Success(true), &seen, vars) {
                messages.push(message);
            }
        }
        for assertion in &step.expect {
            if let Err(message) = check(assertion, &seen, vars) {
                messages.push(message);
            }
        }
        let mut captures = Vec::new();
        for (variable, path) in &step.capture {
            match outcome
                .as_ref()
                .ok()
                .and_then(|result| path.resolve(result))
            {
                Some(value) => captures.push((variable.clone(), value)),
                None => messages.push(format!("capture {variable}: {path} selects nothing")),
            }
        }
        let status = if messages.is_empty() {
            Status::Passed
        } else {
            Status::Failed
        };
        (
            vec![StepResult {
                name,
                status,
                duration,
                messages,
            }],
            captures,
        )
    })
}

/// Does what `operation` says, after substituting variables. The outer error is a step
/// that could not be built (an unknown variable); the inner result is the server's answer.
async fn perform(
    session: &Session,
    operation: &Operation,
    vars: &Variables,
) -> Result<Result<Value, ClientError>, String> {
    let client = &session.client;
    Ok(match operation {
        Operation::ToolCall { name, arguments } => {
            let name = vars.substitute_str(name)?;
            let arguments = vars.substitute(arguments)?;
            client.call_tool(&name, arguments).await
        }
        Operation::ListTools => client
            .list_tools()
            .await
            .map(|tools| json!({ "tools": tools })),
        Operation::ListResources => client
            .list_resources()
            .await
            .map(|r| json!({ "resources": r })),
        Operation::ListPrompts => client.list_prompts().await.map(|p| json!({ "prompts": p })),
        Operation::ReadResource { uri } => client.read_resource(&vars.substitute_str(uri)?).await,
        Operation::GetPrompt { name, arguments } => {
            let name = vars.substitute_str(name)?;
            client.get_prompt(&name, vars.substitute(arguments)?).await
        }
        Operation::HttpGet { url } => {
            let url = vars.substitute_str(url)?;
            http_get(session, &url).await
        }
        Operation::Parallel(_) => Ok(Value::Null),
    })
}

async fn http_get(session: &Session, url: &str) -> Result<Value, ClientError> {
    let (AnyTransport::Http(http), Some(base)) = (session.client.transport(), &session.base_url)
    else {
        return Err(ClientError::Transport(
            "http_get needs an HTTP server (--url), not --stdio".to_owned(),
        ));
    };
    let url = if url.starts_with('/') {
        format!("{}{url}", origin(base))
    } else {
        url.to_owned()
    };
    let (status, headers, body) = http.get(&url).await?;
    let headers: Map<String, Value> = headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let body = serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body));
    Ok(json!({ "status": status, "headers": headers, "body": body }))
}

/// `scheme://host:port` of `url`.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    match url[after_scheme..].find('/') {
        Some(at) => &url[..after_scheme + at],
        None => url,
    }
}

/// A duration as people write it: `250 ms`, `30 s`.
pub fn show(duration: Duration) -> String {
    if duration.as_millis() < 1000 || duration.as_millis() % 1000 != 0 {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{} s", duration.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(origin("http://127.0.0.1:8080/mcp"), "http://127.0.0.1:8080");
        assert_eq!(origin("https://example.com"), "https://example.com");
        assert_eq!(origin("https://example.com/a/b?c"), "https://example.com");
    }
}
