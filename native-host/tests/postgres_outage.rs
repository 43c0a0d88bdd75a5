//! The PostgreSQL stores when the server goes away: a server that starts after
//! `edgemcp` does is waited for, and one restarted under load makes requests fail with a
//! clear, retryable error and then recover, without restarting `edgemcp`.
//!
//! The test runs its own throwaway cluster (`scripts/postgres`), since it stops it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{call_tool, is_refusal, text_of};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres")
}

fn cluster(command: &str, dir: &Path) -> String {
    let out = Command::new(script())
        .arg(command)
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scripts/postgres {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Stops the cluster when the test ends, passed or not.
struct Cluster(tempfile::TempDir);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .arg("stop")
            .arg(self.0.path())
            .output();
    }
}

fn build(url: &str, data: &Path) -> edgemcp::Result<edgemcp::Server> {
    common::build_server(
        data,
        &[
            ("EDGEMCP_DATABASE_URL", url),
            ("EDGEMCP_DATABASE_START_TIMEOUT_MS", "30000"),
            ("EDGEMCP_BREAKER_COOL_DOWN_SECONDS", "1"),
        ],
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn waits_for_a_late_server_and_recovers_from_a_restart() {
    if std::env::var("EDGEMCP_TEST_DATABASE_URL").is_err() {
        assert!(std::env::var("EDGEMCP_REQUIRE_POSTGRES").as_deref() != Ok("1"));
        eprintln!("no PostgreSQL on this machine (scripts/test provides one)");
        return;
    }
    let cluster_dir = Cluster(tempfile::tempdir().unwrap());
    let dir = cluster_dir.0.path().join("pg");
    let url = cluster("start", &dir);
    cluster("stop", &dir);

    // Start edgemcp while the database is down; bring the database up a little later.
    let data = tempfile::tempdir().unwrap();
    let starting = {
        let (url, data) = (url.clone(), data.path().to_owned());
        std::thread::spawn(move || build(&url, &data))
    };
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        !starting.is_finished(),
        "edgemcp must wait for the database"
    );
    cluster("start", &dir);
    let server = starting
        .join()
        .unwrap()
        .expect("edgemcp starts once the database is up");
    let query = json!({"query": "SELECT count(*) AS n FROM customers"});
    let ok = call_tool(&server, "sql_query", query.clone()).await;
    assert!(!is_refusal(&ok), "{ok}");

    // Restart the database under load.
    let server = std::sync::Arc::new(server);
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (server, query) = (server.clone(), query.clone());
            tokio::spawn(async move {
                let mut failures = Vec::new();
                let until = Instant::now() + Duration::from_secs(4);
                while Instant::now() < until {
                    let result = call_tool(&server, "sql_query", query.clone()).await;
                    if is_refusal(&result) {
                        failures.push(text_of(&result));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                failures
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster("stop", &dir);
    let down = call_tool(&server, "kv_get", json!({"key": "a"})).await;
    assert!(is_refusal(&down), "{down}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    cluster("start", &dir);
    let mut failures = Vec::new();
    for task in load {
        failures.extend(task.await.unwrap());
    }
    assert!(!failures.is_empty(), "the outage must have been seen");
    for failure in &failures {
        assert!(
            failure.contains("try again") || failure.contains("retry in"),
            "a request during the outage failed without a clear reason: {failure}"
        );
    }

    assert!(
        failures.iter().any(|f| f.contains("paused")),
        "the SQL store's breaker must open during the outage"
    );
    // The client sees a retryable error without the database's details (those go to the
    // log, under the correlation id).
    // Recovery, within the breaker's cool-down and a reconnect.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let result = call_tool(&server, "sql_query", query.clone()).await;
        if !is_refusal(&result) {
            assert_eq!(
                result["structuredContent"]["rows"],
                ok["structuredContent"]["rows"]
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no recovery after the restart: {}",
            text_of(&result)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
