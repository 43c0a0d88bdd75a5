//! The `edgemcp` binary: `edgemcp serve`, `edgemcp stdio`, under AWS Lambda, and
//! `edgemcp test` (scenario tests against any MCP server).
//!
//! Run `edgemcp --help` for the flags.

use edgemcp_native::build_server;
use edgemcp_native::config::{NativeConfig, USAGE};
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
    match NativeConfig::parse(&args, std::env::vars()) {
        Ok(config) => edgemcp_native::run(&config, build_server),
        Err(err) => {
            eprintln!("edgemcp: {err}");
            ExitCode::from(2)
        }
    }
}
