//! `edgemcp test`'s command line.

use super::runner::{Target, DEFAULT_STEP_TIMEOUT};
use super::scenario::parse_duration;
use crate::client::split_command_line;
use edgemcp::protocol::ProtocolVersion;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// The usage text of `edgemcp test`.
pub const USAGE: &str = "\
usage: edgemcp test [SCENARIO ...] (--url URL | --stdio \"COMMAND ARGS\") [options]
       edgemcp test --generate (--url URL | --stdio \"COMMAND ARGS\") [--output FILE]

  SCENARIO               a scenario file (.yaml), or a folder of them (default: scenarios/)
  --url URL              a Streamable HTTP server, such as http://127.0.0.1:8080/mcp
                         (env EDGEMCP_TEST_URL)
  --stdio \"COMMAND\"      a server started as a child process and spoken to on its stdio
  --token TOKEN          sent as Authorization: Bearer (env EDGEMCP_TEST_TOKEN); edgemcp
                         servers take their API keys this way too
  --api-key KEY          sent in the --api-key-header header (env EDGEMCP_TEST_API_KEY)
  --api-key-header NAME  the API key's header (default X-API-Key)
  --header \"NAME: VALUE\" another header on every request (repeatable)
  --protocol-version V   speak only this revision (default: the newest both sides speak)
  --timeout DURATION     each step's time limit when its scenario sets none (default 30s)
  --junit FILE           also write the results as JUnit XML
  --json FILE            also write the results as JSON
  --generate             write a starting scenario from the server's tools/list instead
  --output FILE          where --generate writes (default: standard output)
  --include-destructive  --generate also calls tools that may destroy data

exit status: 0 when every assertion held, 1 when one did not, 2 for a usage or file error
";

/// What `edgemcp test` was asked to do.
#[derive(Debug, Clone)]
pub struct TestArgs {
    /// Scenario files and folders.
    pub scenarios: Vec<PathBuf>,
    /// The server.
    pub target: Target,
    /// The revision to speak.
    pub revision: Option<ProtocolVersion>,
    /// The default step time limit.
    pub timeout: Duration,
    /// Where to write JUnit XML.
    pub junit: Option<PathBuf>,
    /// Where to write JSON.
    pub json: Option<PathBuf>,
    /// Generate instead of running.
    pub generate: bool,
    /// Where `--generate` writes.
    pub output: Option<PathBuf>,
    /// Whether `--generate` includes destructive tools.
    pub include_destructive: bool,
}

/// Reads `args` (after `test`) over the environment `env`.
///
/// # Errors
/// What is wrong with the command line.
pub fn parse(
    args: &[String],
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<TestArgs, String> {
    let env: HashMap<String, String> = env
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let mut scenarios = Vec::new();
    let mut url = env.get("EDGEMCP_TEST_URL").cloned();
    let mut stdio = None;
    let mut token = env.get("EDGEMCP_TEST_TOKEN").cloned();
    let mut api_key = env.get("EDGEMCP_TEST_API_KEY").cloned();
    let mut api_key_header = "X-API-Key".to_owned();
    let mut headers = Vec::new();
    let mut revision = None;
    let mut timeout = DEFAULT_STEP_TIMEOUT;
    let (mut junit, mut json, mut output) = (None, None, None);
    let (mut generate, mut include_destructive) = (false, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |flag: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--url" => url = Some(value(arg)?),
            "--stdio" => stdio = Some(value(arg)?),
            "--token" => token = Some(value(arg)?),
            "--api-key" => api_key = Some(value(arg)?),
            "--api-key-header" => api_key_header = value(arg)?,
            "--header" => {
                let header = value(arg)?;
                let (name, text) = header
                    .split_once(':')
                    .ok_or_else(|| format!("--header takes \"NAME: VALUE\", not {header:?}"))?;
                headers.push((name.trim().to_owned(), text.trim().to_owned()));
            }
            "--protocol-version" => {
                let text = value(arg)?;
                revision = Some(text.parse::<ProtocolVersion>().map_err(|e| e.to_string())?);
            }
            "--timeout" => {
                timeout = parse_duration(&serde_json::Value::String(value(arg)?))?;
            }
            "--junit" => junit = Some(PathBuf::from(value(arg)?)),
            "--json" => json = Some(PathBuf::from(value(arg)?)),
            "--output" => output = Some(PathBuf::from(value(arg)?)),
            "--generate" => generate = true,
            "--include-destructive" => include_destructive = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            file => scenarios.push(PathBuf::from(file)),
        }
    }
    if let Some(token) = token {
        headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
    }
    if let Some(key) = api_key {
        headers.push((api_key_header, key));
    }
    let target = match (url, stdio) {
        (Some(_), Some(_)) => return Err("give --url or --stdio, not both".to_owned()),
        (None, None) => {
            return Err("say which server to test: --url URL or --stdio \"COMMAND\"".to_owned())
        }
        (Some(url), None) => Target::Http { url, headers },
        (None, Some(command)) => {
            let mut words = split_command_line(&command).map_err(|e| format!("--stdio: {e}"))?;
            if words.is_empty() {
                return Err("--stdio needs a command".to_owned());
            }
            let program = words.remove(0);
            Target::Stdio {
                program,
                args: words,
            }
        }
    };
    if generate && !scenarios.is_empty() {
        return Err("--generate writes a scenario; it does not run the ones named".to_owned());
    }
    Ok(TestArgs {
        scenarios,
        target,
        revision,
        timeout,
        junit,
        json,
        generate,
        output,
        include_destructive,
    })
}

/// The scenario files `paths` name: files as given, folders as the `.yaml` and `.yml`
/// files under them (sorted); `scenarios/` when nothing is named.
///
/// # Errors
/// A path that does not exist, or a folder without scenarios.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let default = [PathBuf::from("scenarios")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            collect(path, &mut files)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if files.len() == before {
                return Err(format!("{} holds no .yaml scenario files", path.display()));
            }
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{} does not exist", path.display()));
        }
    }
    Ok(files)
}

fn collect(dir: &std::path::Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn url_token_and_files() {
        let parsed = parse(
            &args(&[
                "a.yaml",
                "--url",
                "http://x/mcp",
                "--timeout",
                "2s",
                "--header",
                "X-Trace: 1",
            ]),
            [("EDGEMCP_TEST_TOKEN".to_owned(), "secret".to_owned())],
        )
        .unwrap();
        assert_eq!(parsed.scenarios, [PathBuf::from("a.yaml")]);
        assert_eq!(parsed.timeout, Duration::from_secs(2));
        let Target::Http { url, headers } = parsed.target else {
            panic!("http")
        };
        assert_eq!(url, "http://x/mcp");
        assert!(headers.contains(&("Authorization".to_owned(), "Bearer secret".to_owned())));
        assert!(headers.contains(&("X-Trace".to_owned(), "1".to_owned())));
    }

    #[test]
    fn stdio_commands_are_split() {
        let parsed = parse(
            &args(&["--stdio", "edgemcp stdio --data-dir '/tmp/a b'"]),
            [],
        )
        .unwrap();
        let Target::Stdio { program, args } = parsed.target else {
            panic!("stdio")
        };
        assert_eq!(program, "edgemcp");
        assert_eq!(args, ["stdio", "--data-dir", "/tmp/a b"]);
    }

    #[test]
    fn mistakes_are_explained() {
        for (line, expected) in [
            (vec![], "say which server"),
            (vec!["--url", "u", "--stdio", "c"], "not both"),
            (vec!["--url"], "--url needs a value"),
            (vec!["--url", "u", "--bogus"], "unknown option --bogus"),
            (
                vec!["--url", "u", "--protocol-version", "1999"],
                "not supported",
            ),
            (vec!["--url", "u", "--timeout", "soon"], "not a duration"),
            (vec!["--url", "u", "--header", "nocolon"], "NAME: VALUE"),
            (vec!["--url", "u", "--generate", "a.yaml"], "does not run"),
        ] {
            let err = parse(&args(&line), []).unwrap_err();
            assert!(err.contains(expected), "{line:?}: {err}");
        }
    }
}
