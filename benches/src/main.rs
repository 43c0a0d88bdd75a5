//! `edgemcp-bench`: the cost of observability on the native host.
//!
//! Run with `scripts/bench` (or `scripts/bench --smoke` for a few seconds). It starts
//! `edgemcp serve` (the binary given with `--edgemcp`, built with the `release-native`
//! profile) once with the request log and metrics off and once with them on, pinned to
//! CPU 0 when `taskset` exists, and loads each in turn from this process over keep-alive
//! connections with `tools/call kv_get`. Rounds alternate off and on so drift in the
//! machine's speed hits both; the medians, their ratio and the CPU time per request go
//! to stdout and to `--out` as a markdown table. Nothing here passes or fails on numbers.

use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Keep-alive connections the load runs on.
const CONNECTIONS: usize = 16;

struct Options {
    edgemcp: String,
    out: Option<String>,
    seconds: f64,
    rounds: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        edgemcp: "target/release-native/edgemcp".to_owned(),
        out: None,
        seconds: 5.0,
        rounds: 5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--edgemcp" => options.edgemcp = value("--edgemcp")?,
            "--out" => options.out = Some(value("--out")?),
            "--smoke" => {
                options.seconds = 0.5;
                options.rounds = 1;
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

/// One `edgemcp serve` under test.
struct Served {
    child: Child,
    port: u16,
    _data: TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

async fn start(options: &Options, observed: bool, label: &str) -> Result<Served, String> {
    let port = free_port()?;
    let data = std::env::temp_dir().join(format!("edgemcp-bench-{label}-{port}"));
    let pinned = Command::new("taskset").arg("-V").output().is_ok();
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", &options.edgemcp]);
        c
    } else {
        Command::new(&options.edgemcp)
    };
    let level = if observed { "info" } else { "off" };
    command
        .args(["serve", "--host", "127.0.0.1", "--data-dir"])
        .arg(&data)
        .args(["--migrations-dir", "migrations"])
        .env("PORT", port.to_string())
        .env("EDGEMCP_LOG_LEVEL", level)
        .env("EDGEMCP_METRICS_ENABLED", observed.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", options.edgemcp))?;
    let served = Served {
        child,
        port,
        _data: TempDir(data),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await {
            let request = format!("GET /health HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n\r\n");
            if stream.write_all(request.as_bytes()).await.is_ok()
                && read_response(&mut stream).await.is_ok()
            {
                return Ok(served);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("edgemcp serve did not answer on port {port}"))
}

/// Reads one HTTP/1.1 response with a `content-length` body; returns its status.
async fn read_response(stream: &mut TcpStream) -> Result<u16, String> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or("no status line")?;
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("closed mid-body".into());
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before the response".into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// Loads `port` for `seconds` on [`CONNECTIONS`] connections: requests answered with 200.
async fn load(port: u16, seconds: f64) -> Result<u64, String> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "kv_get", "arguments": {"key": "bench"}}})
    .to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n\
         accept: application/json\r\nmcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for _ in 0..CONNECTIONS {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(("127.0.0.1", port))
                .await
                .map_err(|e| e.to_string())?;
            let mut done = 0u64;
            while Instant::now() < until {
                stream
                    .write_all(request.as_bytes())
                    .await
                    .map_err(|e| e.to_string())?;
                match read_response(&mut stream).await? {
                    200 => done += 1,
                    status => return Err(format!("a request got HTTP {status}")),
                }
            }
            Ok::<u64, String>(done)
        }));
    }
    let mut total = 0;
    for worker in workers {
        total += worker.await.map_err(|e| e.to_string())??;
    }
    Ok(total)
}

/// CPU seconds (user + system) `pid` has used, from `/proc`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The pid of the server itself (under `taskset`, the child execs it, so the pid holds).
fn server_pid(served: &Served) -> u32 {
    served.child.id()
}

struct Round {
    per_second: f64,
    cpu_micros_per_request: Option<f64>,
}

async fn round(served: &Served, seconds: f64) -> Result<Round, String> {
    let pid = server_pid(served);
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let done = load(served.port, seconds).await?;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = match (cpu_before, cpu_seconds(pid)) {
        (Some(before), Some(after)) if done > 0 => Some((after - before) * 1e6 / done as f64),
        _ => None,
    };
    Ok(Round {
        per_second: done as f64 / elapsed,
        cpu_micros_per_request: cpu,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let options = options()?;
    let off = start(&options, false, "off").await?;
    let on = start(&options, true, "on").await?;
    // A warm-up for each, not counted.
    round(&off, options.seconds.min(1.0)).await?;
    round(&on, options.seconds.min(1.0)).await?;
    let (mut off_rounds, mut on_rounds) = (Vec::new(), Vec::new());
    for _ in 0..options.rounds {
        off_rounds.push(round(&off, options.seconds).await?);
        on_rounds.push(round(&on, options.seconds).await?);
    }
    let summary = |rounds: &[Round]| {
        let rate = median(rounds.iter().map(|r| r.per_second).collect());
        let cpu: Vec<f64> = rounds
            .iter()
            .filter_map(|r| r.cpu_micros_per_request)
            .collect();
        (rate, (!cpu.is_empty()).then(|| median(cpu)))
    };
    let (off_rate, off_cpu) = summary(&off_rounds);
    let (on_rate, on_cpu) = summary(&on_rounds);
    let cpu = |c: Option<f64>| c.map_or("n/a".to_owned(), |c| format!("{c:.1} µs"));
    let table = format!(
        "| `edgemcp serve`, `tools/call kv_get`, {CONNECTIONS} connections | requests/s (median of {rounds}) | server CPU per request |\n\
         |---|---|---|\n\
         | request log and metrics off | {off_rate:.0} | {} |\n\
         | request log (info) and metrics on | {on_rate:.0} | {} |\n\
         | on / off | {:.3} | |\n",
        cpu(off_cpu),
        cpu(on_cpu),
        on_rate / off_rate,
        rounds = options.rounds,
    );
    print!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, &table).map_err(|e| format!("cannot write {out}: {e}"))?;
    }
    Ok(())
}
