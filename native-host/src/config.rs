//! Settings from flags and environment variables, with the Worker's variable names.
//!
//! Every `--some-name value` flag stands for the variable `EDGEMCP_SOME_NAME` and wins
//! over the environment, so `--sql-max-rows 50` and `EDGEMCP_SQL_MAX_ROWS=50` mean the
//! same. `--port` and `--host` also read `PORT` (the Cloud Run contract) and
//! `EDGEMCP_HOST`.

use crate::storage::S3Settings;
use edgemcp::redact::variable_for_display;
use edgemcp::{Error, Result};
use std::collections::HashMap;
use std::path::PathBuf;

/// What the binary was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Serve Streamable HTTP on a port.
    Serve,
    /// Serve newline-delimited JSON-RPC on stdin and stdout.
    Stdio,
    /// Run as an AWS Lambda function.
    Lambda,
    /// Check that a server answers on `127.0.0.1:$PORT/health` (a container health check
    /// that needs no curl).
    Health,
}

/// The parsed command line and environment. Its debug output redacts secrets.
#[derive(Clone)]
pub struct NativeConfig {
    /// The command.
    pub command: Command,
    /// Variables: the environment, overridden by flags.
    vars: HashMap<String, String>,
}

impl std::fmt::Debug for NativeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut vars: Vec<(&str, &str)> = self
            .vars
            .iter()
            .map(|(name, value)| (name.as_str(), variable_for_display(name, value)))
            .collect();
        vars.sort_unstable();
        f.debug_struct("NativeConfig")
            .field("command", &self.command)
            .field("vars", &vars)
            .finish()
    }
}

/// The usage text shown by `--help` and after a mistake.
pub const USAGE: &str = "\
usage: edgemcp <serve|stdio|lambda|health> [--flag value ...]
       edgemcp test [SCENARIO ...] --url URL   (scenario tests; edgemcp test --help)

  serve    Streamable HTTP on http://HOST:PORT/mcp (and /health)
  stdio    newline-delimited JSON-RPC on stdin/stdout, for desktop clients
  lambda   AWS Lambda (chosen automatically when AWS_LAMBDA_RUNTIME_API is set)
  health   exit 0 when a server answers on 127.0.0.1:PORT/health (container health check)

flags (each also readable from the environment as EDGEMCP_<NAME>):
  --host HOST            bind address (default 0.0.0.0; env EDGEMCP_HOST)
  --port PORT            port (default 8080; env PORT)
  --data-dir DIR         SQLite files and blobs live here (default ./data)
  --database-url URL     SQL and KV in PostgreSQL instead: postgres://user:pw@host/db
                         (or the PGHOST, PGUSER, ... variables; see the README)
  --migrations-dir DIR   SQL migrations applied at start (default ./migrations)
  --sql-max-rows N  --sql-allow-writes BOOL  --sql-timeout-ms MS  --sql-enabled BOOL
  --kv-prefix P  --kv-enabled BOOL  --kv-max-value-bytes N
  --blob-prefix P  --blob-enabled BOOL  --blob-max-bytes N
  --blob-backend dir|s3  objects in DATA_DIR/blobs (default) or an S3-compatible bucket
  --s3-bucket NAME  --s3-endpoint URL  --s3-region REGION  --s3-allow-http BOOL
                         (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, or a role)
  --auth-mode none|jwt|api_key  --auth-audience URL  --auth-issuer URL
  --auth-jwks-url URL  --auth-preset oidc|cognito|auth0|entra  --auth-client-id ID
  --auth-api-keys HASHES  --auth-api-key-scopes SCOPES   (see the README: Access control)
";

/// Where the blob toolkit keeps objects (`EDGEMCP_BLOB_BACKEND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobBackend {
    /// A folder on local disk (`dir`, the default): `blobs/` under the data folder.
    Directory(PathBuf),
    /// An S3-compatible bucket (`s3`): S3, R2, GCS, MinIO.
    S3(S3Settings),
}

impl NativeConfig {
    /// Reads `args` (without the program name) over `env`.
    ///
    /// # Errors
    /// A message with the usage text when the command or a flag is not understood.
    pub fn parse(args: &[String], env: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let mut vars: HashMap<String, String> = env.into_iter().collect();
        let lambda_env = vars.contains_key("AWS_LAMBDA_RUNTIME_API");
        let mut rest = args.iter();
        let command = match rest.next().map(String::as_str) {
            Some("serve") => Command::Serve,
            Some("stdio") => Command::Stdio,
            Some("lambda") => Command::Lambda,
            Some("health") => Command::Health,
            None if lambda_env => Command::Lambda,
            None => Command::Serve,
            Some(other) => return Err(usage(&format!("unknown command {other:?}"))),
        };
        while let Some(flag) = rest.next() {
            let Some(name) = flag.strip_prefix("--").filter(|n| !n.is_empty()) else {
                return Err(usage(&format!("expected a --flag, found {flag:?}")));
            };
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None => match rest.next() {
                    Some(v) => (name.to_owned(), v.clone()),
                    None => return Err(usage(&format!("--{name} needs a value"))),
                },
            };
            let var = match name.as_str() {
                "port" => "PORT".to_owned(),
                other => format!("EDGEMCP_{}", other.replace('-', "_").to_ascii_uppercase()),
            };
            vars.insert(var, value);
        }
        Ok(NativeConfig { command, vars })
    }

    /// The settings of the process environment alone, for a host started from code
    /// (see [`crate::serve()`]); its command is `serve`.
    pub fn from_env() -> Self {
        NativeConfig {
            command: Command::Serve,
            vars: std::env::vars().collect(),
        }
    }

    /// A variable's value, if set and not blank.
    pub fn var(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The address to bind.
    pub fn host(&self) -> String {
        self.var("EDGEMCP_HOST")
            .unwrap_or_else(|| "0.0.0.0".to_owned())
    }

    /// The port to bind.
    ///
    /// # Errors
    /// When `PORT` is not a port number.
    pub fn port(&self) -> Result<u16> {
        match self.var("PORT") {
            None => Ok(8080),
            Some(p) => p
                .parse()
                .map_err(|_| Error::config(format!("PORT must be a port number, not {p:?}."))),
        }
    }

    /// When `edgemcp serve` sheds load: `EDGEMCP_MAX_IN_FLIGHT` (default 512) and
    /// `EDGEMCP_MAX_CONNECTIONS` (default 1024).
    ///
    /// # Errors
    /// When either is not a whole number of at least 1.
    pub fn capacity(&self) -> Result<crate::serve::Capacity> {
        let count = |name: &str, default: usize| match self.var(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    Error::config(format!(
                        "{name} must be a whole number of at least 1, not {v:?}."
                    ))
                }),
        };
        let default = crate::serve::Capacity::DEFAULT;
        Ok(crate::serve::Capacity {
            max_in_flight: count("EDGEMCP_MAX_IN_FLIGHT", default.max_in_flight)?,
            max_connections: count("EDGEMCP_MAX_CONNECTIONS", default.max_connections)?,
        })
    }

    /// `EDGEMCP_TRUSTED_PROXIES`: how many proxies in front of `edgemcp serve` append to
    /// `X-Forwarded-For` (default 0; see [`crate::serve::ServeOptions::trusted_proxies`]).
    ///
    /// # Errors
    /// When it is not a whole number.
    pub fn trusted_proxies(&self) -> Result<usize> {
        match self.var("EDGEMCP_TRUSTED_PROXIES") {
            None => Ok(0),
            Some(v) => v.trim().parse().map_err(|_| {
                Error::config(format!(
                    "EDGEMCP_TRUSTED_PROXIES must be the number of proxies that append to \
                     X-Forwarded-For (0, 1 on Cloud Run), not {v:?}."
                ))
            }),
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> PathBuf {
        PathBuf::from(
            self.var("EDGEMCP_DATA_DIR")
                .unwrap_or_else(|| "data".to_owned()),
        )
    }

    /// Where objects go: `EDGEMCP_BLOB_BACKEND` and the `EDGEMCP_S3_*` settings.
    ///
    /// # Errors
    /// When the backend is neither `dir` nor `s3`, or `s3` lacks a bucket.
    pub fn blob_backend(&self) -> Result<BlobBackend> {
        match self.var("EDGEMCP_BLOB_BACKEND").as_deref() {
            None | Some("dir") => Ok(BlobBackend::Directory(self.data_dir().join("blobs"))),
            Some("s3") => {
                let bucket = self.var("EDGEMCP_S3_BUCKET").ok_or_else(|| {
                    Error::config(
                        "EDGEMCP_BLOB_BACKEND=s3 needs a bucket: set EDGEMCP_S3_BUCKET \
                         (or --s3-bucket).",
                    )
                })?;
                let mut s3 = S3Settings::new(bucket);
                s3.endpoint = self.var("EDGEMCP_S3_ENDPOINT");
                s3.region = self.var("EDGEMCP_S3_REGION");
                s3.access_key_id = self.var("AWS_ACCESS_KEY_ID");
                s3.secret_access_key = self.var("AWS_SECRET_ACCESS_KEY");
                if let Some(allow) = self.var("EDGEMCP_S3_ALLOW_HTTP") {
                    s3.allow_http = edgemcp::toolkit::parse_flag("EDGEMCP_S3_ALLOW_HTTP", &allow)?;
                }
                Ok(BlobBackend::S3(s3))
            }
            Some(other) => Err(Error::config(format!(
                "EDGEMCP_BLOB_BACKEND must be `dir` or `s3`, not {other:?}."
            ))),
        }
    }

    /// The migrations folder.
    pub fn migrations_dir(&self) -> PathBuf {
        PathBuf::from(
            self.var("EDGEMCP_MIGRATIONS_DIR")
                .unwrap_or_else(|| "migrations".to_owned()),
        )
    }
}

fn usage(problem: &str) -> Error {
    Error::config(format!("{problem}\n\n{USAGE}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<NativeConfig> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        NativeConfig::parse(
            &args,
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = parse(
            &["serve"],
            &[
                ("EDGEMCP_STATE_SECRET", "state-secret-value"),
                ("AWS_SECRET_ACCESS_KEY", "aws-secret-value"),
                ("EDGEMCP_AUTH_API_KEYS", "hash-value"),
                ("EDGEMCP_SQL_MAX_ROWS", "50"),
            ],
        )
        .unwrap();
        let shown = format!("{config:?}");
        for secret in ["state-secret-value", "aws-secret-value", "hash-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("\"EDGEMCP_SQL_MAX_ROWS\", \"50\""),
            "{shown}"
        );
        let settings = crate::storage::S3Settings {
            secret_access_key: Some("aws-secret-value".into()),
            ..crate::storage::S3Settings::new("bucket")
        };
        assert!(!format!("{settings:?}").contains("aws-secret-value"));
    }

    #[test]
    fn the_blob_backend_is_chosen_by_configuration() {
        let dir = parse(&["serve", "--data-dir", "/srv"], &[]).unwrap();
        assert_eq!(
            dir.blob_backend().unwrap(),
            BlobBackend::Directory(PathBuf::from("/srv/blobs"))
        );
        let s3 = parse(
            &[
                "serve",
                "--blob-backend",
                "s3",
                "--s3-bucket",
                "b",
                "--s3-allow-http",
                "yes",
            ],
            &[
                ("EDGEMCP_S3_ENDPOINT", "http://127.0.0.1:9000"),
                ("AWS_ACCESS_KEY_ID", "id"),
            ],
        )
        .unwrap();
        let BlobBackend::S3(settings) = s3.blob_backend().unwrap() else {
            panic!("s3 was asked for");
        };
        assert_eq!(settings.bucket, "b");
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(settings.access_key_id.as_deref(), Some("id"));
        assert!(settings.allow_http);
        for (args, expected) in [
            (&["serve", "--blob-backend", "s3"][..], "EDGEMCP_S3_BUCKET"),
            (&["serve", "--blob-backend", "ftp"][..], "`dir` or `s3`"),
        ] {
            let err = parse(args, &[]).unwrap().blob_backend().unwrap_err();
            assert!(err.message().contains(expected), "{err}");
        }
    }

    #[test]
    fn flags_override_the_environment_under_the_same_names() {
        let c = parse(
            &[
                "serve",
                "--port",
                "9000",
                "--sql-max-rows=5",
                "--data-dir",
                "/tmp/x",
            ],
            &[("PORT", "1"), ("EDGEMCP_SQL_MAX_ROWS", "7")],
        )
        .unwrap();
        assert_eq!(c.command, Command::Serve);
        assert_eq!(c.port().unwrap(), 9000);
        assert_eq!(c.var("EDGEMCP_SQL_MAX_ROWS").as_deref(), Some("5"));
        assert_eq!(c.data_dir(), PathBuf::from("/tmp/x"));
        assert_eq!(c.host(), "0.0.0.0");
    }

    #[test]
    fn lambda_is_chosen_by_its_environment() {
        assert_eq!(
            parse(&[], &[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")])
                .unwrap()
                .command,
            Command::Lambda
        );
        assert_eq!(parse(&[], &[]).unwrap().command, Command::Serve);
        assert_eq!(parse(&["stdio"], &[]).unwrap().command, Command::Stdio);
    }

    #[test]
    fn mistakes_show_the_usage() {
        for args in [&["bogus"][..], &["serve", "port"], &["serve", "--port"]] {
            let err = parse(args, &[]).unwrap_err().to_string();
            assert!(err.contains("usage: edgemcp"), "{err}");
        }
        assert!(parse(&["serve", "--port", "http"], &[])
            .unwrap()
            .port()
            .is_err());
    }
}
