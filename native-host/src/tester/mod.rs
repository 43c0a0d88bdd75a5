//! `edgemcp test`: scenario tests against any MCP server, over Streamable HTTP or a
//! child process's stdio, with a progress line per step, a summary, and JUnit or JSON
//! for CI. `edgemcp test --generate` writes a starting scenario from `tools/list`.
//!
//! The scenario format is described in `docs/scenarios.md`; the client underneath is
//! [`edgemcp::client`] over the transports of [`crate::client`].

pub mod assert;
pub mod cli;
pub mod generate;
pub mod path;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod vars;

use report::{Console, Reporter};
use runner::{RunSettings, ScenarioResult};
use std::process::ExitCode;
use std::time::Instant;

/// Runs `edgemcp test` with `args` (the words after `test`); returns the exit status.
pub fn main(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let args = match cli::parse(args, std::env::vars()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("edgemcp test: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("edgemcp test: cannot start the async runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let settings = RunSettings {
        target: args.target.clone(),
        revision: args.revision,
        timeout: args.timeout,
    };
    if args.generate {
        return runtime.block_on(generate(&args, &settings));
    }
    let scenarios = match load_all(&args) {
        Ok(scenarios) => scenarios,
        Err(messages) => {
            for message in messages {
                eprintln!("edgemcp test: {message}");
            }
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut console = Console::new(std::io::stdout());
    let results = runtime.block_on(run_all(&scenarios, &settings, &mut console));
    let took = started.elapsed();
    println!("{}", report::summary(&results, took));
    let mut code = if results.iter().all(ScenarioResult::passed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let outputs = [
        (&args.junit, report::junit(&results, took)),
        (
            &args.json,
            serde_json::to_string_pretty(&report::json(&results, took)).unwrap_or_default(),
        ),
    ];
    for (path, text) in outputs {
        if let Some(path) = path {
            if let Err(err) = std::fs::write(path, text) {
                eprintln!("edgemcp test: cannot write {}: {err}", path.display());
                code = ExitCode::from(2);
            }
        }
    }
    code
}

/// Every scenario named, read and checked before anything runs; all errors at once.
fn load_all(
    args: &cli::TestArgs,
) -> Result<Vec<(std::path::PathBuf, scenario::Scenario)>, Vec<String>> {
    let files = cli::scenario_files(&args.scenarios).map_err(|e| vec![e])?;
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        match scenario::load(&file) {
            Ok(scenario) => scenarios.push((file, scenario)),
            Err(err) => errors.push(err.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(errors)
    }
}

/// Runs the scenarios one after another.
pub async fn run_all(
    scenarios: &[(std::path::PathBuf, scenario::Scenario)],
    settings: &RunSettings,
    reporter: &mut dyn Reporter,
) -> Vec<ScenarioResult> {
    let mut results = Vec::new();
    for (file, scenario) in scenarios {
        results.push(runner::run_scenario(scenario, file.clone(), settings, reporter).await);
    }
    results
}

async fn generate(args: &cli::TestArgs, settings: &RunSettings) -> ExitCode {
    let source = match &settings.target {
        runner::Target::Http { url, .. } => url.clone(),
        runner::Target::Stdio { program, args } => format!("`{program} {}`", args.join(" ")),
    };
    let tools = match runner::open(settings).await {
        Ok(client) => client.list_tools().await,
        Err(err) => Err(err),
    };
    let tools = match tools {
        Ok(tools) => tools,
        Err(err) => {
            eprintln!("edgemcp test --generate: {err}");
            return ExitCode::from(1);
        }
    };
    let options = generate::GenerateOptions {
        include_destructive: args.include_destructive,
        source,
    };
    let (text, left_out) = match generate::scenario(&tools, &options) {
        Ok(generated) => generated,
        Err(err) => {
            eprintln!("edgemcp test --generate: {err}");
            return ExitCode::from(1);
        }
    };
    for out in &left_out {
        eprintln!("left out {}: {}", out.tool, out.reason);
    }
    match &args.output {
        Some(path) => {
            if let Err(err) = std::fs::write(path, text) {
                eprintln!(
                    "edgemcp test --generate: cannot write {}: {err}",
                    path.display()
                );
                return ExitCode::from(2);
            }
            eprintln!(
                "wrote {} ({} tools)",
                path.display(),
                tools.len() - left_out.len()
            );
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}
