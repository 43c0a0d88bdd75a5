//! `edgemcp-bench`: the cost of observability on the native host.
//!
//! Run with `scripts/bench` (or `scripts/bench --smoke` for a few seconds). It starts
//! `edgemcp serve` (the binary given with `--edgemcp`, built with the `release-native`
//! profile) once with the request log and metrics off and once with them on, pinned to
//! CPU 0 when `taskset` exists, and loads each in turn from this process over keep-alive
//! connections with `tools/call kv_get`. Rounds alternate off and on so drift in the
//! machine's speed hits both; the medians, their ratio and the CPU time per request go
//! to stdout and to `--out` as a markdown table. Nothing here passes or fails on numbers.

use edgemcp_benches::served::Served;
use edgemcp_benches::{load, stats::median};

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

/// The `tools/call` each run sends.
const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"kv_get","arguments":{"key":"bench"}}}"#;

/// A folder removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `edgemcp serve` with the request log and metrics `observed` or not, and its data folder.
async fn start(
    options: &Options,
    observed: bool,
    label: &str,
) -> Result<(Served, TempDir), String> {
    let data = std::env::temp_dir().join(format!("edgemcp-bench-{label}-{}", std::process::id()));
    let data_arg = data.to_string_lossy().into_owned();
    let level = if observed { "info" } else { "off" };
    let served = Served::start(
        &options.edgemcp,
        &[
            "serve",
            "--host",
            "127.0.0.1",
            "--data-dir",
            &data_arg,
            "--migrations-dir",
            "migrations",
        ],
        &[
            ("EDGEMCP_LOG_LEVEL", level.to_owned()),
            ("EDGEMCP_METRICS_ENABLED", observed.to_string()),
        ],
        CALL,
    )
    .await?;
    Ok((served, TempDir(data)))
}

struct Round {
    per_second: f64,
    cpu_micros_per_request: Option<f64>,
}

async fn round(served: &Served, seconds: f64) -> Result<Round, String> {
    let cpu_before = served.cpu_seconds();
    let loaded = load::run(
        served.port,
        &load::mcp_post(served.port, CALL),
        CONNECTIONS,
        seconds,
    )
    .await?;
    let cpu = match (cpu_before, served.cpu_seconds()) {
        (Some(before), Some(after)) if loaded.done > 0 => {
            Some((after - before) * 1e6 / loaded.done as f64)
        }
        _ => None,
    };
    Ok(Round {
        per_second: loaded.done as f64 / loaded.elapsed.as_secs_f64(),
        cpu_micros_per_request: cpu,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let options = options()?;
    let (off, _off_data) = start(&options, false, "off").await?;
    let (on, _on_data) = start(&options, true, "on").await?;
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
