//! The `edgemcp` binary: `edgemcp serve`, `edgemcp stdio`, under AWS Lambda, and
//! `edgemcp test` (scenario tests against any MCP server).
//!
//! Run `edgemcp --help` for the flags.

use edgemcp_native::config::{Command, NativeConfig, USAGE};
use edgemcp_native::{build_server, log, serve, stdio, telemetry};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `edgemcp test` is a client, with its own flags; it builds no server.
    if args.first().map(String::as_str) == Some("test") {
        return edgemcp_native::tester::main(&args[1..]);
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let config = match NativeConfig::parse(&args, std::env::vars()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("edgemcp: {err}");
            return ExitCode::from(2);
        }
    };
    if config.command == Command::Stdio {
        log::use_stderr();
    }
    if config.command == Command::Health {
        return health(&config);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("edgemcp: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            log::error("edgemcp stopped", &[("error", err.to_string().into())]);
            ExitCode::FAILURE
        }
    };
    // The spans of the last requests, then the last log lines.
    runtime.block_on(telemetry::flush(std::time::Duration::from_secs(5)));
    log::flush();
    code
}

async fn run(config: NativeConfig) -> Result<(), Box<dyn std::error::Error>> {
    let server = build_server(&config)?;
    match config.command {
        Command::Serve => {
            let (host, port) = (config.host(), config.port()?);
            let listener = tokio::net::TcpListener::bind((host.as_str(), port)).await?;
            let address = listener.local_addr()?;
            log::info(
                "listening",
                &[("address", format!("http://{address}/mcp").into())],
            );
            let metrics = serve::MetricsAccess::new(config.var("EDGEMCP_METRICS_TOKEN"));
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
                let options = serve::ServeOptions {
                    metrics: metrics.clone(),
                    metrics_only: true,
                    ..Default::default()
                };
                tokio::spawn(serve::run_with(server.clone(), listener, options));
            }
            let options = serve::ServeOptions {
                metrics,
                metrics_only: false,
                capacity: config.capacity()?,
                trusted_proxies: config.trusted_proxies()?,
            };
            serve::run_with(server, listener, options).await?;
        }
        Command::Stdio => {
            if server.auth().is_some() {
                log::info(
                    "access control is not applied on stdio: it serves the local user who started it",
                    &[],
                );
            }
            stdio::run(server, tokio::io::stdin(), tokio::io::stdout()).await?
        }
        Command::Health => {}
        Command::Lambda => edgemcp_native::lambda::run(server)
            .await
            .map_err(|e| e as Box<dyn std::error::Error>)?,
    }
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
