//! `compare`: edgemcp natively side by side with rmcp (the official Rust SDK) and with
//! bare hyper answering a fixed body (the floor), each serving the same two tools
//! statelessly with JSON answers; and, in this process, edgemcp's dispatch against what
//! serde_json alone spends parsing the request and writing the reply.
//!
//! Run with `scripts/bench` (`--smoke` for a few seconds). Each server runs pinned to
//! CPU 0 (when `taskset` exists; the script runs this load on CPU 1) and is measured
//! for:
//! - cold start: spawning the process to its first 200 answer, the median of several
//!   starts;
//! - `tools/list` and `tools/call echo` over keep-alive connections: requests/s, the
//!   server's CPU time per request (from `/proc`), and p50 and p99 latency. Rounds
//!   alternate between the servers so drift in the machine's speed hits all of them;
//!   each figure is the median over rounds;
//! - resident memory after the load.
//!
//! The table goes to stdout and to `--out` as markdown. Nothing passes or fails on
//! numbers.

use edgemcp::http::HttpRequest;
use edgemcp::tool::ToolSet;
use edgemcp::Server;
use edgemcp_benches::served::{can_pin, Served};
use edgemcp_benches::{load, stats};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::Instant;

const LIST: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#;
const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}"#;

struct Options {
    floor: String,
    edgemcp: String,
    rmcp: String,
    workerd: Option<String>,
    edgemcp_worker: String,
    ts_worker: String,
    out: Option<String>,
    seconds: f64,
    rounds: usize,
    starts: usize,
    connections: usize,
    in_process: u32,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        floor: "target/release-native/bench-floor".into(),
        edgemcp: "target/release-native/bench-edgemcp".into(),
        rmcp: "target/release-native/bench-rmcp".into(),
        workerd: None,
        edgemcp_worker: "benches/worker/build".into(),
        ts_worker: "target/bench/ts-worker".into(),
        out: None,
        seconds: 3.0,
        rounds: 5,
        starts: 5,
        connections: 16,
        in_process: 200_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--floor" => options.floor = value("--floor")?,
            "--edgemcp" => options.edgemcp = value("--edgemcp")?,
            "--rmcp" => options.rmcp = value("--rmcp")?,
            "--workerd" => options.workerd = Some(value("--workerd")?),
            "--edgemcp-worker" => options.edgemcp_worker = value("--edgemcp-worker")?,
            "--ts-worker" => options.ts_worker = value("--ts-worker")?,
            "--out" => options.out = Some(value("--out")?),
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds takes a number")?
            }
            "--rounds" => {
                options.rounds = value("--rounds")?
                    .parse()
                    .map_err(|_| "--rounds takes a whole number")?
            }
            "--smoke" => {
                options.seconds = 0.3;
                options.rounds = 1;
                options.starts = 1;
                options.in_process = 2_000;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; see the file's doc comment"
                ))
            }
        }
    }
    Ok(options)
}

/// The arguments of `contender`, as `Served::start` takes them.
fn args(contender: &Contender) -> Vec<&str> {
    contender.args.iter().map(String::as_str).collect()
}

/// One server of the comparison.
struct Contender {
    label: &'static str,
    /// The table it is compared in; the first of each group is the others' baseline.
    group: Group,
    program: String,
    args: Vec<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Group {
    Native,
    Worker,
}

/// Writes the workerd configuration that serves the Worker bundle in `dir` (`index.js`,
/// and `index_bg.wasm` when there is one) on the socket `http`; its path.
fn workerd_config(dir: &str) -> Result<String, String> {
    let wasm = std::path::Path::new(dir).join("index_bg.wasm").exists();
    let modules = if wasm {
        r#"(name = "index.js", esModule = embed "index.js"), (name = "index_bg.wasm", wasm = embed "index_bg.wasm")"#
    } else {
        r#"(name = "index.js", esModule = embed "index.js")"#
    };
    let text = format!(
        "using Workerd = import \"/workerd/workerd.capnp\";\n\
         const config :Workerd.Config = (\n  services = [(name = \"main\", worker = .worker)],\n  \
         sockets = [(name = \"http\", address = \"127.0.0.1:8080\", http = (), service = \"main\")],\n);\n\
         const worker :Workerd.Worker = (\n  modules = [{modules}],\n  compatibilityDate = \"2025-09-01\",\n);\n"
    );
    let path = format!("{dir}/bench.capnp");
    std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
    Ok(path)
}

/// What one load round of one workload measured on one server.
#[derive(Clone, Copy)]
struct Round {
    per_second: f64,
    cpu_us: f64,
    p50_us: f64,
    p99_us: f64,
    done: u64,
}

async fn round(
    served: &Served,
    body: &str,
    connections: usize,
    seconds: f64,
) -> Result<Round, String> {
    let request = load::mcp_post(served.port, body);
    let cpu_before = served.cpu_seconds().unwrap_or(f64::NAN);
    let loaded = load::run(served.port, &request, connections, seconds).await?;
    let cpu_after = served.cpu_seconds().unwrap_or(f64::NAN);
    let done = loaded.done.max(1) as f64;
    Ok(Round {
        per_second: loaded.done as f64 / loaded.elapsed.as_secs_f64(),
        cpu_us: (cpu_after - cpu_before) * 1e6 / done,
        p50_us: stats::percentile(loaded.latencies_us.clone(), 0.5),
        p99_us: stats::percentile(loaded.latencies_us, 0.99),
        done: loaded.done,
    })
}

/// The median of each figure over `rounds`.
fn summary(rounds: &[Round]) -> Round {
    let pick = |f: fn(&Round) -> f64| stats::median(rounds.iter().map(f).collect());
    Round {
        per_second: pick(|r| r.per_second),
        cpu_us: pick(|r| r.cpu_us),
        p50_us: pick(|r| r.p50_us),
        p99_us: pick(|r| r.p99_us),
        done: rounds.iter().map(|r| r.done).sum(),
    }
}

/// Checks that a server answers both workloads as an MCP server should, so a broken
/// contender cannot win by answering nothing.
async fn check_answers(served: &Served, label: &str) -> Result<(), String> {
    for (body, want) in [(LIST, "tools"), (CALL, "content")] {
        let (status, answer) = load::once(served.port, &load::mcp_post(served.port, body)).await?;
        let answer: Value = serde_json::from_slice(&answer)
            .map_err(|e| format!("{label} answered {body} with no JSON: {e}"))?;
        if status != 200 || answer["result"].get(want).is_none() {
            return Err(format!("{label} answered {body} with {status} {answer}"));
        }
    }
    Ok(())
}

/// edgemcp's `handle_http` in this process, and serde_json parsing the same request and
/// writing the same reply: nanoseconds per `tools/call echo`.
async fn in_process(iterations: u32) -> Result<(f64, f64), String> {
    struct Bench;
    #[edgemcp::tools]
    impl Bench {
        /// Returns its text.
        #[tool(read_only)]
        fn echo(&self, text: String) -> String {
            text
        }
    }
    let runtime = edgemcp_native::runtime::runtime().map_err(|e| e.to_string())?;
    let server = Server::builder("in-process", "0.1.0")
        .settings_from_vars(|name| (name == "EDGEMCP_LOG_LEVEL").then(|| "off".to_owned()))
        .and_then(|builder| builder.tools(Bench.into_tools()).build(runtime))
        .map_err(|e| e.to_string())?;
    let request = || {
        HttpRequest::new("POST", "/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .body(CALL)
    };
    let mut bytes = 0usize;
    let started = Instant::now();
    for _ in 0..iterations {
        let response = server.handle_http(request()).await;
        bytes += response.collect_body().await.len();
    }
    let edgemcp = started.elapsed().as_nanos() as f64 / f64::from(iterations);

    let started = Instant::now();
    for _ in 0..iterations {
        let body = request().body;
        let parsed: Value = serde_json::from_slice(body.as_ref()).map_err(|e| e.to_string())?;
        let text = parsed["params"]["arguments"]["text"].clone();
        let reply = json!({"jsonrpc": "2.0", "id": parsed["id"], "result": {"content": [{"type": "text", "text": text}]}});
        bytes += serde_json::to_vec(&reply).map_err(|e| e.to_string())?.len();
    }
    let floor = started.elapsed().as_nanos() as f64 / f64::from(iterations);
    // Keeps the work above from being optimised away.
    std::hint::black_box(bytes);
    Ok((edgemcp, floor))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let options = options()?;
    let mut contenders = vec![
        Contender {
            label: "bare hyper 1, fixed body (the floor)",
            group: Group::Native,
            program: options.floor.clone(),
            args: vec![],
        },
        Contender {
            label: "edgemcp native (`edgemcp_native::main`, request log on)",
            group: Group::Native,
            program: options.edgemcp.clone(),
            args: vec!["serve".into(), "--host".into(), "127.0.0.1".into()],
        },
        Contender {
            label: "rmcp 3.11 (axum, stateless, JSON answers)",
            group: Group::Native,
            program: options.rmcp.clone(),
            args: vec![],
        },
    ];
    if let Some(workerd) = &options.workerd {
        for (label, dir) in [
            (
                "TypeScript SDK 1.32 Worker (stateless, JSON answers)",
                &options.ts_worker,
            ),
            ("edgemcp Worker (benches/worker)", &options.edgemcp_worker),
        ] {
            let config = workerd_config(dir)?;
            contenders.push(Contender {
                label,
                group: Group::Worker,
                program: workerd.clone(),
                args: vec![
                    "serve".into(),
                    config,
                    "--socket-addr".into(),
                    "http=127.0.0.1:{port}".into(),
                ],
            });
        }
    }

    // Cold starts: a fresh process each time.
    let mut cold_ms = Vec::new();
    for contender in &contenders {
        let mut starts = Vec::new();
        for _ in 0..options.starts {
            let served = Served::start(&contender.program, &args(contender), &[], CALL).await?;
            starts.push(served.cold_start.as_secs_f64() * 1e3);
        }
        cold_ms.push(stats::median(starts));
    }

    let mut running = Vec::new();
    for contender in &contenders {
        let served = Served::start(&contender.program, &args(contender), &[], CALL).await?;
        if contender.program != options.floor {
            check_answers(&served, contender.label).await?;
        }
        running.push(served);
    }
    let workloads = [("`tools/list`", LIST), ("`tools/call echo`", CALL)];
    // A warm-up of each server on each workload, not counted.
    for served in &running {
        for (_, body) in workloads {
            round(served, body, options.connections, options.seconds.min(1.0)).await?;
        }
    }
    let rss_warm: Vec<Option<u64>> = running.iter().map(Served::rss_kib).collect();
    let mut rounds = vec![vec![Vec::new(); workloads.len()]; running.len()];
    for _ in 0..options.rounds {
        for (w, (_, body)) in workloads.iter().enumerate() {
            for (s, served) in running.iter().enumerate() {
                rounds[s][w].push(round(served, body, options.connections, options.seconds).await?);
            }
        }
    }
    let rss: Vec<Option<u64>> = running.iter().map(Served::rss_kib).collect();
    drop(running);
    let (edgemcp_ns, serde_ns) = in_process(options.in_process).await?;

    let mut table = String::new();
    let _ = writeln!(
        table,
        "Servers pinned to one CPU{}, load from {} keep-alive connections, {} s per round, median of {} rounds.\n",
        if can_pin() { "" } else { " (not pinned: no taskset)" },
        options.connections,
        options.seconds,
        options.rounds,
    );
    for group in [Group::Native, Group::Worker] {
        let members: Vec<usize> = (0..contenders.len())
            .filter(|&s| contenders[s].group == group)
            .collect();
        let Some(&base) = members.first() else {
            continue;
        };
        let against = match group {
            Group::Native => "× floor",
            Group::Worker => "× TS SDK",
        };
        for (w, (name, _)) in workloads.iter().enumerate() {
            let baseline = summary(&rounds[base][w]);
            let _ = writeln!(
                table,
                "| {name} | req/s | server CPU per request | {against} | p50 | p99 |"
            );
            let _ = writeln!(table, "|---|---|---|---|---|---|");
            for &s in &members {
                let r = summary(&rounds[s][w]);
                let _ = writeln!(
                    table,
                    "| {} | {:.0} | {:.1} µs | {:.2} | {:.2} ms | {:.2} ms |",
                    contenders[s].label,
                    r.per_second,
                    r.cpu_us,
                    r.cpu_us / baseline.cpu_us,
                    r.p50_us / 1e3,
                    r.p99_us / 1e3,
                );
            }
            let _ = writeln!(table);
        }
    }
    let _ = writeln!(
        table,
        "| process | cold start (spawn to first answer, median of {}) | resident memory after warm-up | after the rounds | requests in the rounds |",
        options.starts
    );
    let _ = writeln!(table, "|---|---|---|---|---|");
    let mib = |kib: Option<u64>| {
        kib.map_or("n/a".to_owned(), |kib| {
            format!("{:.1} MiB", kib as f64 / 1024.0)
        })
    };
    for (s, contender) in contenders.iter().enumerate() {
        let requests: u64 = (0..workloads.len())
            .map(|w| summary(&rounds[s][w]).done)
            .sum();
        let _ = writeln!(
            table,
            "| {} | {:.1} ms | {} | {} | {requests} |",
            contender.label,
            cold_ms[s],
            mib(rss_warm[s]),
            mib(rss[s]),
        );
    }
    let _ = writeln!(table);
    let _ = writeln!(
        table,
        "| in this process, `tools/call echo` | per call | × serde_json |"
    );
    let _ = writeln!(table, "|---|---|---|");
    let _ = writeln!(
        table,
        "| serde_json: parse the request, write the reply (the floor) | {:.2} µs | 1.00 |",
        serde_ns / 1e3
    );
    let _ = writeln!(
        table,
        "| edgemcp `Server::handle_http` (request log off), {} calls | {:.2} µs | {:.2} |",
        options.in_process,
        edgemcp_ns / 1e3,
        edgemcp_ns / serde_ns,
    );
    print!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, &table).map_err(|e| format!("cannot write {out}: {e}"))?;
    }
    Ok(())
}
