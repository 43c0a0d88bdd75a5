//! One-line hosts for a server of your own: [`serve`] (Cloud Run), [`stdio`] (desktop
//! clients), [`lambda`] (AWS Lambda), and [`main`], which picks one of them from the
//! command line the way the `edgemcp` binary does.
//!
//! ```no_run
//! use edgemcp::Server;
//!
//! struct Clock;
//!
//! #[edgemcp::tools]
//! impl Clock {
//!     /// Says hello.
//!     #[tool(read_only)]
//!     fn hello(&self, name: String) -> String {
//!         format!("Hello, {name}!")
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     use edgemcp::tool::ToolSet;
//!     edgemcp_native::main(|runtime| {
//!         Server::builder("clock", "1.0.0").tools(Clock.into_tools()).build(runtime)
//!     })
//! }
//! ```

use crate::config::{Command, NativeConfig};
use crate::{log, serve as http, telemetry};
use edgemcp::runtime::Runtime;
use edgemcp::Server;
use std::fmt;
use std::process::ExitCode;

/// Why a host stopped.
#[derive(Debug)]
pub enum HostError {
    /// A setting (`PORT`, `EDGEMCP_*`) is malformed, or the server could not be built;
    /// the message names what to fix.
    Config(edgemcp::Error),
    /// Binding the port, accepting connections or reading stdin failed.
    Io(std::io::Error),
    /// The Lambda runtime API could not be reached (run it under Lambda or its emulator).
    Lambda(lambda_http::Error),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Config(err) => write!(f, "{err}"),
            HostError::Io(err) => write!(f, "{err}"),
            HostError::Lambda(err) => write!(f, "the Lambda runtime failed: {err}"),
        }
    }
}

impl std::error::Error for HostError {}

impl From<edgemcp::Error> for HostError {
    fn from(err: edgemcp::Error) -> Self {
        HostError::Config(err)
    }
}

impl From<std::io::Error> for HostError {
    fn from(err: std::io::Error) -> Self {
        HostError::Io(err)
    }
}

/// Serves `server` on the Cloud Run contract: Streamable HTTP on `0.0.0.0:$PORT/mcp`
/// (`EDGEMCP_HOST` and `PORT`, default 8080) with `/health` and `/metrics`; on SIGTERM
/// or SIGINT it stops accepting and lets in-flight requests finish. Reads the same
/// `EDGEMCP_*` serving settings as `edgemcp serve` (`EDGEMCP_METRICS_PORT`,
/// `EDGEMCP_METRICS_TOKEN`, `EDGEMCP_MAX_CONNECTIONS`, `EDGEMCP_TRUSTED_PROXIES`, ...).
///
/// # Errors
/// When a setting is malformed or the port cannot be bound.
pub async fn serve(server: Server) -> Result<(), HostError> {
    serve_as(server, &NativeConfig::from_env()).await
}

/// Serves `server` over stdin and stdout, one JSON-RPC message per line, logs on stderr,
/// until stdin ends.
///
/// # Errors
/// When reading stdin fails.
pub async fn stdio(server: Server) -> Result<(), HostError> {
    log::use_stderr();
    stdio_as(server).await
}

/// Serves `server` as an AWS Lambda function (API Gateway, function URLs, ALB).
///
/// # Errors
/// When the Lambda runtime API cannot be reached.
pub async fn lambda(server: Server) -> Result<(), HostError> {
    crate::lambda::run(server).await.map_err(HostError::Lambda)
}

/// A whole `main`: reads the command (`serve`, the default; `stdio`; `lambda`, the
/// default under Lambda; `health`) and `--flag value` settings from the command line as
/// the `edgemcp` binary does, starts tokio, builds the server with `build` on the native
/// runtime, serves it, and flushes the last spans and log lines before it exits.
pub fn main(build: impl FnOnce(Runtime) -> edgemcp::Result<Server>) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match NativeConfig::parse(&args, std::env::vars()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    run(&config, |_| build(crate::runtime::runtime()?))
}

/// Runs `config`'s command with the server `build` makes: what [`main`] and the
/// `edgemcp` binary do once the command line is read.
pub fn run(
    config: &NativeConfig,
    build: impl FnOnce(&NativeConfig) -> edgemcp::Result<Server>,
) -> ExitCode {
    if config.command == Command::Stdio {
        log::use_stderr();
    }
    if config.command == Command::Health {
        return health(config);
    }
    let tokio = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(tokio) => tokio,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = tokio.block_on(async {
        let server = build(config)?;
        match config.command {
            Command::Stdio => stdio_as(server).await,
            Command::Lambda => lambda(server).await,
            Command::Serve | Command::Health => serve_as(server, config).await,
        }
    });
    let code = match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log::error("the server stopped", &[("error", err.to_string().into())]);
            ExitCode::FAILURE
        }
    };
    // The spans of the last requests, then the last log lines.
    tokio.block_on(telemetry::flush(std::time::Duration::from_secs(5)));
    log::flush();
    code
}

/// [`serve`] with the settings of `config`.
async fn serve_as(server: Server, config: &NativeConfig) -> Result<(), HostError> {
    let (host, port) = (config.host(), config.port()?);
    let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
    log::info(
        "listening",
        &[(
            "address",
            format!("http://{}/mcp", listener.local_addr()?).into(),
        )],
    );
    let metrics = http::MetricsAccess::new(config.var("EDGEMCP_METRICS_TOKEN"));
    if let Some(port) = config.var("EDGEMCP_METRICS_PORT") {
        let port: u16 = port.parse().map_err(|_| {
            edgemcp::Error::config(format!(
                "EDGEMCP_METRICS_PORT must be a port number, not {port:?}."
            ))
        })?;
        let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
        log::info(
            "metrics on their own port",
            &[(
                "address",
                format!("http://{}/metrics", listener.local_addr()?).into(),
            )],
        );
        let options = http::ServeOptions {
            metrics: metrics.clone(),
            metrics_only: true,
            ..Default::default()
        };
        tokio::spawn(http::run_with(server.clone(), listener, options));
    }
    let options = http::ServeOptions {
        metrics,
        metrics_only: false,
        capacity: config.capacity()?,
        trusted_proxies: config.trusted_proxies()?,
    };
    http::run_with(server, listener, options).await?;
    Ok(())
}

async fn stdio_as(server: Server) -> Result<(), HostError> {
    if server.auth().is_some() {
        log::info(
            "access control is not applied on stdio: it serves the local user who started it",
            &[],
        );
    }
    crate::stdio::run(server, tokio::io::stdin(), tokio::io::stdout()).await?;
    Ok(())
}

/// Asks the local server for `/health` over plain TCP; exit 0 on a 200.
fn health(config: &NativeConfig) -> ExitCode {
    use std::io::{Read, Write};
    let Ok(port) = config.port() else {
        return ExitCode::FAILURE;
    };
    let timeout = std::time::Duration::from_secs(2);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let answered =
        std::net::TcpStream::connect_timeout(&address, timeout).and_then(|mut stream| {
            stream.set_read_timeout(Some(timeout))?;
            stream.write_all(
                b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            )?;
            let mut head = [0u8; 12];
            stream.read_exact(&mut head)?;
            Ok(head.starts_with(b"HTTP/1.1 200"))
        });
    match answered {
        Ok(true) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}
