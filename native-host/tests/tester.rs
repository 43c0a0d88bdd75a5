//! `edgemcp test` against real servers: a server on loopback for captures, parallel groups,
//! time limits and credentials; the `edgemcp` binary for exit codes, JUnit (checked by
//! xmllint against a JUnit schema) and JSON; `--generate`, whose file then passes; the
//! shipped scenarios over `edgemcp serve` and `edgemcp stdio`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp::auth::{ApiKeys, Auth};
use edgemcp::{Prompt, PromptMessage, Resource, Server, Tool, ToolResult};
use edgemcp_native::serve;
use edgemcp_native::tester::report::Reporter;
use edgemcp_native::tester::runner::{RunSettings, ScenarioResult, Status, StepResult, Target};
use edgemcp_native::tester::{run_all, scenario};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The key `API_KEY_HASH` is the SHA-256 of.
const API_KEY: &str = "test-key-do-not-print-7f3a";

/// Collects step results.
#[derive(Default)]
struct Collect(Vec<StepResult>);

impl Reporter for Collect {
    fn scenario_started(&mut self, _: &str, _: &Path) {}
    fn step_finished(&mut self, step: &StepResult) {
        self.0.push(step.clone());
    }
    fn scenario_finished(&mut self, _: &ScenarioResult) {}
}

/// A server with tools for the runner's own features: `echo`, `slow` (10 s), `meet`
/// (answers only once three calls are in flight at the same time), a resource and a
/// prompt.
fn fixture_server(auth: bool) -> Server {
    let waiting = Arc::new(AtomicUsize::new(0));
    let meet = Tool::untyped(
        "meet",
        "Waits for two other calls.",
        json!({"type": "object"}),
        move |_, cx| {
            let waiting = waiting.clone();
            async move {
                waiting.fetch_add(1, Ordering::SeqCst);
                for _ in 0..500 {
                    if waiting.load(Ordering::SeqCst) >= 3 {
                        return Ok(ToolResult::text("met"));
                    }
                    cx.runtime().sleep(Duration::from_millis(10)).await;
                }
                Ok(ToolResult::error(
                    "the other calls never came: the group did not run at once",
                ))
            }
        },
    );
    let echo = Tool::untyped(
        "echo",
        "Echoes `text` and its length.",
        json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
        |args, _| async move {
            let text = args["text"].as_str().unwrap_or_default().to_owned();
            Ok(ToolResult::structured(
                json!({"text": text, "length": text.chars().count()}),
            ))
        },
    )
    .output_schema(json!({
        "type": "object",
        "properties": {"text": {"type": "string"}, "length": {"type": "integer"}},
        "required": ["text", "length"]
    }));
    let slow = Tool::untyped(
        "slow",
        "Takes ten seconds.",
        json!({"type": "object"}),
        |_, cx| async move {
            cx.runtime().sleep(Duration::from_secs(10)).await;
            Ok(ToolResult::text("late"))
        },
    );
    let mut builder = Server::builder("tester-fixture", "1.0.0")
        .tool(meet)
        .tool(echo)
        .tool(slow)
        .tool_timeout(Duration::from_secs(30))
        .request_timeout(Duration::from_secs(30))
        .resource(Resource::text(
            "test://note",
            "note",
            "text/plain",
            "a note",
        ))
        .prompt(Prompt::new("greet", "Greets", |_, _| async {
            Ok(vec![PromptMessage::user("hello there")])
        }));
    if auth {
        let hash = sha256_hex(API_KEY);
        let keys = ApiKeys::from_hashes([hash.as_str()], ["mcp:read", "mcp:write"]).unwrap();
        builder = builder.auth(Auth::new("http://127.0.0.1/mcp", keys));
    }
    builder
        .build(edgemcp_native::runtime::runtime().unwrap())
        .unwrap()
}

fn sha256_hex(text: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Serves `server` on a loopback port; the MCP URL.
async fn serve_on_loopback(server: Server) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(serve::run_with(
        server,
        listener,
        serve::ServeOptions::default(),
    ));
    format!("http://{address}/mcp")
}

async fn run(url: &str, yaml: &str) -> Vec<StepResult> {
    let scenario = scenario::parse(Path::new("test.yaml"), yaml).unwrap();
    let settings = RunSettings {
        target: Target::Http {
            url: url.to_owned(),
            headers: Vec::new(),
        },
        revision: None,
        timeout: Duration::from_secs(20),
    };
    let mut collect = Collect::default();
    run_all(
        &[(PathBuf::from("test.yaml"), scenario)],
        &settings,
        &mut collect,
    )
    .await;
    collect.0
}

fn status_of(results: &[StepResult], name: &str) -> (Status, String) {
    let step = results
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step {name} in {results:?}"));
    (step.status, step.messages.join("\n"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn captures_parallel_groups_resources_prompts_and_time_limits() {
    let url = serve_on_loopback(fixture_server(false)).await;
    let results = run(
        &url,
        r#"
name: runner features
variables:
  word: "${EDGEMCP_TESTER_UNSET:-hello}"
steps:
  - name: echo
    tool_call: {name: echo, arguments: {text: "${word} world"}}
    capture: {length: $.structuredContent.length, said: $.structuredContent.text}
    expect:
      - equals: {path: $.structuredContent.text, value: hello world}
      - schema_valid: true
  - name: the captures are typed
    tool_call: {name: echo, arguments: {text: "${said}!"}}
    expect:
      - equals: {path: $.structuredContent.length, value: 12}
      - equals: {path: $.structuredContent.text, value: "hello world!"}
  - name: a capture of nothing fails the step
    tool_call: {name: echo, arguments: {text: x}}
    capture: {nothing: $.structuredContent.missing}
  - name: an unknown variable fails the step
    tool_call: {name: echo, arguments: {text: "${never_defined}"}}
  - name: three at once
    parallel:
      - {name: one, tool_call: {name: meet}}
      - {name: two, tool_call: {name: meet}}
      - {name: three, tool_call: {name: meet}}
  - name: resources
    list_resources:
    expect:
      - equals: {path: "$.resources[0].uri", value: "test://note"}
  - name: a resource
    read_resource: {uri: "test://note"}
    expect:
      - equals: {path: "$.contents[0].text", value: a note}
  - name: prompts
    list_prompts:
    expect:
      - contains: {path: "$.prompts[*].name", value: greet}
  - name: a prompt
    get_prompt: {name: greet}
    expect:
      - equals: {path: "$.messages[0].content.text", value: hello there}
  - name: too slow
    tool_call: {name: slow}
    timeout: 200ms
  - name: health over http_get
    http_get: /health
    expect:
      - equals: {path: $.status, value: 200}
"#,
    )
    .await;
    for passing in [
        "echo",
        "the captures are typed",
        "three at once / one",
        "three at once / two",
        "three at once / three",
        "resources",
        "a resource",
        "prompts",
        "a prompt",
        "health over http_get",
    ] {
        assert_eq!(
            status_of(&results, passing).0,
            Status::Passed,
            "{passing}: {results:?}"
        );
    }
    let (status, message) = status_of(&results, "a capture of nothing fails the step");
    assert_eq!(status, Status::Failed);
    assert!(
        message.contains("capture nothing: $.structuredContent.missing selects nothing"),
        "{message}"
    );
    let (status, message) = status_of(&results, "an unknown variable fails the step");
    assert_eq!(status, Status::Failed);
    assert!(
        message.contains("unknown variable `never_defined`"),
        "{message}"
    );
    let (status, message) = status_of(&results, "too slow");
    assert_eq!(status, Status::Errored);
    assert!(message.contains("timed out after 200 ms"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_group_run_one_by_one_never_meets() {
    // The control for the parallel group above: in sequence, `meet` gives up.
    let url = serve_on_loopback(fixture_server(false)).await;
    let results = run(
        &url,
        "name: in turn\nstop_on_failure: true\nsteps:\n  - {name: one, tool_call: {name: meet}, timeout: 10s}\n  - {name: two, tool_call: {name: meet}}\n",
    )
    .await;
    let (status, message) = status_of(&results, "one");
    assert_eq!(status, Status::Failed);
    assert!(message.contains("never came"), "{message}");
    assert_eq!(status_of(&results, "two").0, Status::Skipped);
}

/// The `edgemcp` binary with `args`: exit code, stdout, stderr.
fn edgemcp(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_edgemcp"))
        .args(args)
        .env_remove("EDGEMCP_TEST_URL")
        .env_remove("EDGEMCP_TEST_TOKEN")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Whether xmllint accepts `file` against the JUnit schema.
fn junit_is_valid(file: &Path) -> Result<(), String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit.xsd");
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(file)
        .output()
        .expect("xmllint runs (scripts/setup installs libxml2-utils)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_junit_json_and_credentials_that_never_print() {
    let url = serve_on_loopback(fixture_server(true)).await;
    let dir = tempfile::tempdir().unwrap();
    let passing = write(
        dir.path(),
        "pass.yaml",
        "name: passes\nsteps:\n  - name: echo\n    tool_call: {name: echo, arguments: {text: hi}}\n    expect:\n      - equals: {path: $.structuredContent.length, value: 2}\n",
    );
    let failing = write(
        dir.path(),
        "fail.yaml",
        "name: fails <&>\nstop_on_failure: true\nsteps:\n  - name: \"wrong \\\"length\\\"\"\n    tool_call: {name: echo, arguments: {text: hi}}\n    expect:\n      - equals: {path: $.structuredContent.length, value: 3}\n  - name: never run\n    list_tools:\n",
    );
    let malformed = write(
        dir.path(),
        "bad.yaml",
        "name: bad\nsteps:\n  - name: a\n    list_tools: {}\n    expect:\n      - sucess: true\n",
    );
    let junit = dir.path().join("junit.xml");
    let json_out = dir.path().join("out.json");
    let junit_arg = junit.to_str().unwrap().to_owned();
    let json_arg = json_out.to_str().unwrap().to_owned();

    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let (url, passing, junit_arg, json_arg) = (
            url.clone(),
            passing.clone(),
            junit_arg.clone(),
            json_arg.clone(),
        );
        move || {
            edgemcp(
                &[
                    "test", &passing, "--url", &url, "--token", API_KEY, "--junit", &junit_arg,
                    "--json", &json_arg,
                ],
                &[],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("1 scenario, 1 step: 1 passed"), "{stdout}");
    junit_is_valid(&junit).unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    assert_eq!(report["passed"], true);
    assert_eq!(report["scenarios"][0]["steps"][0]["status"], "passed");

    // The token comes from the environment this time, and is wrong: every step errors
    // with a 401, and the key appears nowhere.
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let (url, passing, failing, junit_arg, json_arg) = (
            url.clone(),
            passing.clone(),
            failing.clone(),
            junit_arg.clone(),
            json_arg.clone(),
        );
        move || {
            edgemcp(
                &[
                    "test", &passing, &failing, "--url", &url, "--junit", &junit_arg, "--json",
                    &json_arg,
                ],
                &[("EDGEMCP_TEST_TOKEN", "wrong-key-also-secret")],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("HTTP 401: The token was refused"),
        "{stdout}"
    );
    junit_is_valid(&junit).unwrap();
    let everything = format!(
        "{stdout}{stderr}{}{}",
        std::fs::read_to_string(&junit).unwrap(),
        std::fs::read_to_string(&json_out).unwrap()
    );
    assert!(
        !everything.contains("wrong-key-also-secret"),
        "a credential was printed"
    );

    // With the right key: one passes, one fails an assertion, the rest is skipped.
    let (code, stdout, _) = tokio::task::spawn_blocking({
        let (url, passing, failing, junit_arg) = (
            url.clone(),
            passing.clone(),
            failing.clone(),
            junit_arg.clone(),
        );
        move || {
            edgemcp(
                &[
                    "test", &passing, &failing, "--url", &url, "--junit", &junit_arg,
                ],
                &[("EDGEMCP_TEST_TOKEN", API_KEY)],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("equals $.structuredContent.length: expected 3, received 2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 scenarios, 3 steps: 1 passed, 1 failed, 1 skipped"),
        "{stdout}"
    );
    assert!(!stdout.contains(API_KEY));
    junit_is_valid(&junit).unwrap();
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(
            "<failure message=\"equals $.structuredContent.length: expected 3, received 2\""
        ),
        "{xml}"
    );
    assert!(xml.contains("name=\"fails &lt;&amp;&gt;\""), "{xml}");
    assert!(xml.contains("<skipped"), "{xml}");
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
        "{xml}"
    );
    // The schema check can fail: a testcase without its classname is refused.
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, xml.replacen(" classname=", " class=", 1)).unwrap();
    assert!(junit_is_valid(&broken).is_err());

    // A malformed file: exit 2, the file and line named, nothing run.
    let (code, _, stderr) = edgemcp(
        &["test", &malformed, "--url", "http://127.0.0.1:9/mcp"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("bad.yaml:6: steps[0].expect[0]: unknown variant `sucess`"),
        "{stderr}"
    );
    // A usage mistake: exit 2 with the usage.
    let (code, _, stderr) = edgemcp(&["test", &passing], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--url URL or --stdio"), "{stderr}");
    // Nobody listening: the steps error, exit 1.
    let (code, stdout, _) = edgemcp(&["test", &passing, "--url", "http://127.0.0.1:9/mcp"], &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("ERR  echo") && stdout.contains("could not connect"),
        "{stdout}"
    );
}

#[test]
fn a_stdio_server_that_dies_is_reported_with_its_last_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "s.yaml",
        "name: s\nsteps:\n  - name: list\n    list_tools:\n",
    );
    let (code, stdout, _) = edgemcp(
        &[
            "test",
            &file,
            "--stdio",
            "sh -c 'echo the database is gone >&2; exit 3'",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert!(stdout.contains("the database is gone"), "{stdout}");
    let (code, stdout, _) = edgemcp(&["test", &file, "--stdio", "/no/such/program"], &[]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("cannot start \"/no/such/program\""),
        "{stdout}"
    );
}

/// `edgemcp stdio` on a fresh data folder with the sample store, as a `--stdio` command.
fn stdio_command(data: &Path) -> String {
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    format!(
        "'{}' stdio --data-dir '{}' --migrations-dir '{}'",
        env!("CARGO_BIN_EXE_edgemcp"),
        data.display(),
        migrations.display()
    )
}

#[test]
fn generated_scenarios_pass_against_the_toolkit_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = stdio_command(&dir.path().join("data"));
    // The blob the schema's example names, so `blob_get`'s valid call finds it.
    let seed = write(
        dir.path(),
        "seed.yaml",
        "name: seed\nsteps:\n  - name: put\n    tool_call: {name: blob_put, arguments: {key: reports/2026/q1.csv, content: \"a,b\\n\"}}\n",
    );
    let (code, stdout, _) = edgemcp(&["test", &seed, "--stdio", &server], &[]);
    assert_eq!(code, 0, "{stdout}");
    let generated = dir.path().join("generated.yaml");
    let (code, _, stderr) = edgemcp(
        &[
            "test",
            "--generate",
            "--stdio",
            &server,
            "--output",
            generated.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("left out kv_delete: annotated destructiveHint: true"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&generated).unwrap();
    for expected in [
        "sql_query: a valid call",
        "sql_query: without `query`",
        "kv_list: `limit` above its maximum 1000",
        "blob_get: an unknown argument",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(
        !text.contains("kv_delete: a valid call"),
        "destructive tools are left out"
    );
    let (code, stdout, _) = edgemcp(
        &["test", generated.to_str().unwrap(), "--stdio", &server],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(" passed ("), "{stdout}");
    let (code, _, stderr) = edgemcp(
        &[
            "test",
            "--generate",
            "--include-destructive",
            "--stdio",
            &server,
        ],
        &[],
    );
    assert_eq!(code, 0);
    assert!(!stderr.contains("left out"), "{stderr}");
}

#[test]
fn the_shipped_scenarios_pass_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/toolkit");
    let (code, stdout, stderr) = edgemcp(
        &[
            "test",
            scenarios.to_str().unwrap(),
            "--stdio",
            &stdio_command(&dir.path().join("data")),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn the_shipped_scenarios_pass_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgemcp"))
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--migrations-dir")
        .arg(&migrations)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let up = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        std::net::TcpStream::connect(address).is_ok()
    });
    assert!(up, "edgemcp serve did not start");
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (code, stdout, stderr) =
        edgemcp(&["test", scenarios.to_str().unwrap(), "--url", &url], &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("/health answers"), "{stdout}");
}
