//! A server under test: a child process pinned to CPU 0 (when `taskset` exists), how
//! long it took to answer its first request, and its CPU time and memory from `/proc`.

use crate::load;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process, killed when dropped.
pub struct Served {
    child: Child,
    /// The port it serves on.
    pub port: u16,
    /// From spawning the process to the first 200 answer to the probe request.
    pub cold_start: Duration,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port on 127.0.0.1.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Whether `taskset` can pin processes here.
pub fn can_pin() -> bool {
    Command::new("taskset").arg("-V").output().is_ok()
}

impl Served {
    /// Starts `program` with `args` (where `{port}` stands for the port it gets) and `env`
    /// (plus `PORT`) on CPU 0, and waits until the `probe` body (a JSON-RPC request) is
    /// answered with 200.
    ///
    /// # Errors
    /// When the program cannot start or does not answer within 30 s.
    pub async fn start(
        program: &str,
        args: &[&str],
        env: &[(&str, String)],
        probe: &str,
    ) -> Result<Served, String> {
        let port = free_port()?;
        let mut command = if can_pin() {
            let mut c = Command::new("taskset");
            c.args(["-c", "0", program]);
            c
        } else {
            Command::new(program)
        };
        command
            .args(
                args.iter()
                    .map(|arg| arg.replace("{port}", &port.to_string())),
            )
            .env("PORT", port.to_string())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let spawned = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let mut served = Served {
            child,
            port,
            cold_start: Duration::ZERO,
        };
        let request = load::mcp_post(port, probe);
        let deadline = spawned + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = load::once(port, &request).await {
                served.cold_start = spawned.elapsed();
                return Ok(served);
            }
            if let Ok(Some(status)) = served.child.try_wait() {
                return Err(format!("{program} exited with {status}"));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Err(format!(
            "{program} did not answer on port {port} within 30 s"
        ))
    }

    /// The process id (under `taskset`, the child execs the server, so it holds).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU seconds (user and system) the server has used.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
        Some(ticks / 100.0)
    }

    /// The server's resident memory, in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }
}
