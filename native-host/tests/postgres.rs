//! The PostgreSQL stores against a real server: the storage promises, the SQL toolkit's
//! guard against the engine (generated inputs), the refusal corpus, the function policy
//! against the catalogue, and two `edgemcp serve` processes on one database.
//!
//! `scripts/test` starts a throwaway server (`scripts/postgres`) and sets
//! `EDGEMCP_TEST_DATABASE_URL` and `EDGEMCP_REQUIRE_POSTGRES=1`; without the URL these
//! tests say so and pass only when PostgreSQL is not required.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{call_tool, is_refusal, text_of};
use edgemcp::runtime::testing::{CountingRng, ManualClock, NeverTimer};
use edgemcp::runtime::Runtime;
use edgemcp::toolkit::sql_postgres::{check_read_only, policy, Refusal};
use edgemcp_native::storage::postgres::{self, PgSettings};
use serde_json::{json, Value};
use std::path::PathBuf;
use tokio_postgres::{NoTls, SimpleQueryMessage};

/// The admin URL of the test server, or `None` (with a note) when there is none.
fn server_url() -> Option<String> {
    match std::env::var("EDGEMCP_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("EDGEMCP_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "EDGEMCP_REQUIRE_POSTGRES=1 but EDGEMCP_TEST_DATABASE_URL is not set"
            );
            eprintln!("no PostgreSQL server: set EDGEMCP_TEST_DATABASE_URL (scripts/test does)");
            None
        }
    }
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// A new, empty database on the test server; its URL.
async fn fresh_database(admin: &str) -> String {
    let name = format!("t{:016x}", rand_u64());
    connect(admin)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.replacen("/postgres?", &format!("/{name}?"), 1)
}

fn rand_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    u64::from_le_bytes(bytes)
}

fn settings(url: &str, extra: &[(&str, &str)]) -> PgSettings {
    let vars: Vec<(String, String)> = [("EDGEMCP_DATABASE_URL", url)]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    PgSettings::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .unwrap()
        .unwrap()
}

fn migrations() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations")
}

/// The server `edgemcp serve` builds on `url`, with the sample store migrated in.
fn server_on(url: &str) -> edgemcp::Server {
    let data = tempfile::tempdir().unwrap();
    common::build_server(data.path(), &[("EDGEMCP_DATABASE_URL", url)]).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stores_keep_the_storage_promises() {
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    connect(&url)
        .await
        .batch_execute(
            "CREATE TABLE customers (id integer PRIMARY KEY, name text, email text);
             INSERT INTO customers VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'g@example.com'), (3, 'Edsger', 'e@example.com')",
        )
        .await
        .unwrap();
    let clock = ManualClock::new(1_700_000_000_000);
    let runtime = Runtime::new(clock.clone(), NeverTimer, CountingRng::default());
    let stores = postgres::open(&settings(&url, &[]), runtime, None).unwrap();
    edgemcp::storage::testing::sql_behavior(&stores.sql).await;
    edgemcp::storage::testing::kv_behavior(&stores.kv, Some(&clock)).await;
    edgemcp::storage::testing::task_behavior(&stores.tasks).await;

    // The KV table lives in the server's own schema, out of the SQL toolkit's sight.
    let tables = edgemcp::storage::SqlDatabase::tables(&stores.sql)
        .await
        .unwrap();
    assert!(tables.iter().all(|t| t.name == "customers"), "{tables:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn start_up_names_a_server_that_is_not_there() {
    // A port nobody listens on, with a short start timeout: a clear error, after retries.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("postgres://edgemcp:x@127.0.0.1:{port}/postgres?sslmode=disable");
    let down = settings(&url, &[("EDGEMCP_DATABASE_START_TIMEOUT_MS", "1200")]);
    let started = std::time::Instant::now();
    let err = postgres::open(&down, Runtime::for_tests(0), None)
        .err()
        .unwrap();
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(700),
        "it retried"
    );
    assert!(
        err.message().contains("cannot be reached")
            && err.message().contains("EDGEMCP_DATABASE_URL"),
        "{err}"
    );

    let Some(admin) = server_url() else { return };
    let (scheme, rest) = admin.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    let wrong = format!("{scheme}://edgemcp:wrong@{host}");
    let err = postgres::open(&settings(&wrong, &[]), Runtime::for_tests(0), None)
        .err()
        .unwrap();
    assert!(err.message().contains("refused the login"), "{err}");
}

/// Every relation's row count and the advisory locks held, to see that nothing changed.
async fn fingerprint(client: &tokio_postgres::Client) -> Vec<String> {
    let mut seen = Vec::new();
    for table in [
        "customers",
        "products",
        "orders",
        "order_items",
        "edgemcp.kv",
    ] {
        let row = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap();
        seen.push(format!("{table}={}", row.get::<_, i64>(0)));
    }
    // Servers that other tests start meanwhile hold the migration lock (key 7306238467,
    // seen as classid 1, objid 3011271171) for a moment; any other advisory lock counts.
    let locks = client
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
             AND NOT (classid = 1 AND objid = 3011271171 AND objsubid = 1)",
            &[],
        )
        .await
        .unwrap();
    seen.push(format!("advisory={}", locks.get::<_, i64>(0)));
    let tables = client
        .query_one("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')", &[])
        .await
        .unwrap();
    seen.push(format!("tables={}", tables.get::<_, i64>(0)));
    seen
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sql_toolkit_on_postgres_reads_and_refuses() {
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let server = server_on(&url);
    let observer = connect(&url).await;
    let before = fingerprint(&observer).await;

    let tables = call_tool(&server, "sql_list_tables", json!({})).await;
    let names: Vec<&str> = tables["structuredContent"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "customers",
            "order_items",
            "order_totals",
            "orders",
            "products"
        ]
    );
    let described = call_tool(&server, "sql_describe_table", json!({"table": "products"})).await;
    let columns = &described["structuredContent"]["columns"];
    assert_eq!(columns[0]["name"], "id");
    assert_eq!(columns[0]["primary_key"], 1);
    assert_eq!(columns[1]["type"], "TEXT");

    let corpus: Value = serde_json::from_str(include_str!(
        "../../core/tests/corpus/postgres-statements.json"
    ))
    .unwrap();
    for accepted in corpus["accepted"].as_array().unwrap() {
        let mut arguments = accepted.clone();
        arguments.as_object_mut().unwrap().remove("expect_rows");
        let result = call_tool(&server, "sql_query", arguments).await;
        assert!(!is_refusal(&result), "{accepted}: {}", text_of(&result));
        let expected = &accepted["expect_rows"];
        if !expected.is_null() {
            assert_eq!(&result["structuredContent"]["rows"], expected, "{accepted}");
        }
    }
    // Values of any type arrive as PostgreSQL writes them.
    let typed = call_tool(
        &server,
        "sql_query",
        json!({"query": "SELECT 12.50::numeric AS price, DATE '2026-12-02' AS day, ARRAY[1, 2] AS list, '{\"a\": 1}'::jsonb AS doc, ?1::int + 1 AS next", "params": [41]}),
    )
    .await;
    assert_eq!(
        typed["structuredContent"]["columns"],
        json!(["price", "day", "list", "doc", "next"])
    );
    assert_eq!(
        typed["structuredContent"]["rows"],
        json!([["12.50", "2026-12-02", "{1,2}", "{\"a\": 1}", 42]])
    );

    // The PostgreSQL refusals: the guard refuses each, with the reason.
    for refused in corpus["refused"].as_array().unwrap() {
        let sql = refused["sql"].as_str().unwrap();
        let result = call_tool(&server, "sql_query", json!({"query": sql})).await;
        assert!(is_refusal(&result), "{sql} must be refused");
        let reason = refused["reason"].as_str().unwrap();
        assert!(
            text_of(&result).contains(reason),
            "{sql}: {}",
            text_of(&result)
        );
    }
    // The SQLite corpus's refusals stay refused here, by the guard or by the engine,
    // except three that are plain reads in PostgreSQL's SQL.
    let plain_reads_here = [
        "SELECT X'0'",  // a bit string, not a malformed blob
        "(SELECT 1)",   // a parenthesized SELECT
        "SELECT 1 ^ 2", // exponentiation
    ];
    for refused in edgemcp::toolkit::sql_corpus::corpus().unwrap().refused {
        let result = call_tool(&server, "sql_query", json!({"query": refused.sql})).await;
        let expected = !plain_reads_here.contains(&refused.sql.as_str());
        assert_eq!(
            is_refusal(&result),
            expected,
            "{} ({}): {}",
            refused.sql,
            refused.class,
            text_of(&result)
        );
    }
    // NUL cannot be in PostgreSQL text: refused as the caller's mistake, not reported
    // as an unreachable server.
    for arguments in [
        json!({"query": "SELECT 'a\u{0}b' AS t"}),
        json!({"query": "SELECT ?1 AS t", "params": ["a\u{0}b"]}),
    ] {
        let result = call_tool(&server, "sql_query", arguments).await;
        assert!(
            text_of(&result).contains("cannot hold a NUL character"),
            "{result}"
        );
    }
    assert_eq!(
        fingerprint(&observer).await,
        before,
        "the refused statements changed nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn allowlisted_functions_exist_and_only_compute() {
    let Some(admin) = server_url() else { return };
    let client = connect(&admin).await;
    for name in policy::ALLOWED_FUNCTIONS {
        if policy::GRAMMAR_FUNCTIONS.contains(name) {
            let row = client
                .query_one(
                    "SELECT count(*) FROM pg_get_keywords() WHERE word = $1",
                    &[name],
                )
                .await
                .unwrap();
            assert_eq!(
                row.get::<_, i64>(0),
                1,
                "{name} must be a keyword of the grammar"
            );
            continue;
        }
        let row = client
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE provolatile = 'v') FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname = 'pg_catalog' AND p.proname = $1",
                &[name],
            )
            .await
            .unwrap();
        let (all, volatile): (i64, i64) = (row.get(0), row.get(1));
        assert!(all > 0, "{name} is not a function of pg_catalog");
        if !policy::VOLATILE_BUT_HARMLESS.contains(name) {
            assert_eq!(volatile, 0, "{name} has volatile overloads: review it");
        }
    }
}

/// A small deterministic generator, so a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// A literal of a random form whose body holds the characters that end strings,
/// comments and statements.
fn literal(rng: &mut Rng) -> String {
    const BODY: &[&str] = &[
        "'", "\\", "$", ";", "-", "*", "/", "\"", "\n", "a", "x", "$$", "*/", "/*", "--", "$t$",
    ];
    let body: String = (0..rng.below(6)).map(|_| rng.pick(BODY)).collect();
    match rng.below(6) {
        0 => format!("'{}'", body.replace('\'', "''")),
        1 => format!("E'{}'", body.replace('\\', "\\\\").replace('\'', "\\'")),
        2 => {
            let tag = rng.pick(&["", "t", "q1"]);
            if body.contains(&format!("${tag}$")) {
                format!("'{}'", body.replace('\'', "''"))
            } else {
                format!("${tag}${body}${tag}$")
            }
        }
        3 => format!(
            "'{}'\n  '{}'",
            body.replace('\'', "''"),
            body.replace('\'', "''")
        ),
        4 => format!("\"{}\"", "n".repeat(1 + rng.below(3))),
        _ => format!("/* {} */ 1", body.replace("*/", "").replace("/*", "")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_guard_splits_statements_where_postgres_does() {
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let client = connect(&url).await;
    client
        .batch_execute("CREATE TABLE n (\"n\" int, \"nn\" int, \"nnn\" int)")
        .await
        .unwrap();
    let seed = 0x005e_ed0f_ed6e_u64 ^ (rand_u64() % 1_000_000);
    let mut rng = Rng(seed | 1);
    let (mut agreed, mut compared) = (0, 0);
    for case in 0..3000 {
        let items: Vec<String> = (0..1 + rng.below(3)).map(|_| literal(&mut rng)).collect();
        let mut sql = format!("SELECT {} FROM n", items.join(", "));
        if rng.below(3) == 0 {
            sql.push_str(&format!("; SELECT {} FROM n", literal(&mut rng)));
        }
        // Mutate: insert, remove or change one character, so boundaries shift.
        if rng.below(2) == 0 {
            let mut chars: Vec<char> = sql.chars().collect();
            let at = rng.below(chars.len());
            let with = rng
                .pick(&["'", "\\", "$", ";", "-", "*", "/", "\n", "E", "\""])
                .chars()
                .next()
                .unwrap_or('x');
            match rng.below(3) {
                0 => chars.insert(at, with),
                1 => {
                    chars.remove(at);
                }
                _ => chars[at] = with,
            }
            sql = chars.into_iter().collect();
        }
        let ours = check_read_only(&sql);
        // The engine's count: one CommandComplete per statement it ran.
        let theirs = match client
            .simple_query(&format!("BEGIN READ ONLY; {sql}\n; ROLLBACK"))
            .await
        {
            Ok(messages) => Some(
                messages
                    .iter()
                    .filter(|m| matches!(m, SimpleQueryMessage::CommandComplete(_)))
                    .count()
                    - 1, // BEGIN
            ),
            Err(_) => {
                let _ = client.batch_execute("ROLLBACK").await;
                None
            }
        };
        if let Some(statements) = theirs {
            compared += 1;
            // `; ROLLBACK` follows, so the engine ran the statements of `sql` plus ROLLBACK.
            let statements = statements.saturating_sub(1);
            // What matters is that nothing the guard admits is more than one statement
            // to PostgreSQL; refusing a single statement (`SELECT 1;;`) is only cautious.
            if ours.is_ok() {
                assert_eq!(statements, 1, "case {case} (seed {seed}): the guard admitted {sql:?}, which PostgreSQL runs as {statements} statements");
            }
            if (ours != Err(Refusal::MultipleStatements)) == (statements == 1) {
                agreed += 1;
            }
        }
    }
    assert!(
        compared > 300,
        "too few generated statements were valid SQL ({compared}); widen the generator"
    );
    eprintln!("{agreed} of {compared} statements PostgreSQL ran were judged the same way");
}

/// A running `edgemcp serve`, stopped when dropped (also when a test fails, so no server
/// outlives it holding the test's output open).
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `edgemcp serve` on `url`; the server and its address.
fn serve(url: &str) -> (Served, String) {
    serve_with(url, &[])
}

/// Starts `edgemcp serve` on `url` with the extra settings `vars`.
fn serve_with(url: &str, vars: &[(&str, &str)]) -> (Served, String) {
    use std::io::BufRead;
    let data = tempfile::tempdir().unwrap();
    let mut served = Served(
        std::process::Command::new(env!("CARGO_BIN_EXE_edgemcp"))
            .args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
            .arg(data.path())
            .arg("--migrations-dir")
            .arg(migrations())
            .env("EDGEMCP_DATABASE_URL", url)
            .envs(vars.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let stdout = served.0.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("edgemcp serve stopped before listening")
            .unwrap();
        let event: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if event["message"] == "listening" {
            break event["address"].as_str().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (served, address)
}

async fn call(address: &str, tool: &str, arguments: Value) -> Value {
    call_with_status(address, tool, arguments).await.1["result"].clone()
}

/// A stateless `tools/call` to `address`: the HTTP status and the whole JSON-RPC reply.
async fn call_with_status(address: &str, tool: &str, arguments: Value) -> (u16, Value) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
    let reply = reqwest::Client::new()
        .post(address)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let reply: Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
    (status, reply)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_share_one_database_and_keep_it_across_restarts() {
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let (a, at_a) = serve(&url);
    let (b, at_b) = serve(&url);
    let put = call(
        &at_a,
        "kv_put",
        json!({"key": "shared/greeting", "value": "hello from a"}),
    )
    .await;
    assert_ne!(put["isError"], true, "{put}");
    let got = call(&at_b, "kv_get", json!({"key": "shared/greeting"})).await;
    assert!(text_of(&got).contains("hello from a"), "{got}");
    let query = json!({"query": "SELECT count(*) AS n FROM customers"});
    let (rows_a, rows_b) = (
        call(&at_a, "sql_query", query.clone()).await,
        call(&at_b, "sql_query", query.clone()).await,
    );
    assert_eq!(
        rows_a["structuredContent"]["rows"],
        rows_b["structuredContent"]["rows"]
    );
    drop((a, b));
    // Both start again on the same database: migrations are not applied twice, and the
    // entry is still there.
    let (a, at_a) = serve(&url);
    let (b, at_b) = serve(&url);
    let got = call(&at_b, "kv_get", json!({"key": "shared/greeting"})).await;
    assert!(text_of(&got).contains("hello from a"), "{got}");
    assert_eq!(
        call(&at_a, "sql_query", query).await["structuredContent"]["rows"],
        rows_b["structuredContent"]["rows"]
    );
    let applied = connect(&url)
        .await
        .query_one("SELECT count(*) FROM edgemcp.migrations", &[])
        .await
        .unwrap();
    assert_eq!(
        applied.get::<_, i64>(0),
        2,
        "each migration is recorded once"
    );
    drop((a, b));
}

/// Two limiters on one database, as two instances hold them.
async fn two_limiters(url: &str) -> (postgres::PgRateLimiter, postgres::PgRateLimiter) {
    let open = || {
        let runtime = Runtime::new(ManualClock::new(0), NeverTimer, CountingRng::default());
        postgres::open(&settings(url, &[]), runtime, None)
            .unwrap()
            .rate_limiter
    };
    (open(), open())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_bucket_holds_across_instances_and_refills_at_its_rate() {
    use edgemcp::middleware::{Decision, Limit};
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let (a, b) = two_limiters(&url).await;
    // A token every 10 s, two at once.
    let limit = Limit {
        per_minute: 6,
        burst: 2,
    };
    // Keys are the core's, parts separated by NUL.
    let key = "subject\u{0}acme\u{0}ada";
    assert_eq!(a.try_acquire(key, limit).await.unwrap(), Decision::Allowed);
    assert_eq!(b.try_acquire(key, limit).await.unwrap(), Decision::Allowed);
    for limiter in [&a, &b] {
        match limiter.try_acquire(key, limit).await.unwrap() {
            Decision::Limited { retry_after } => assert!(
                retry_after > std::time::Duration::from_secs(9)
                    && retry_after <= std::time::Duration::from_secs(10),
                "the next token is about 10 s away, not {retry_after:?}"
            ),
            Decision::Allowed => panic!("the bucket both instances drew from is empty"),
        }
    }
    assert_eq!(
        a.try_acquire("other", limit).await.unwrap(),
        Decision::Allowed,
        "buckets are per key"
    );
    // 600 a minute is one every 100 ms: after a pause, exactly one more.
    let fast = Limit {
        per_minute: 600,
        burst: 1,
    };
    assert_eq!(a.try_acquire("f", fast).await.unwrap(), Decision::Allowed);
    assert!(matches!(
        b.try_acquire("f", fast).await.unwrap(),
        Decision::Limited { .. }
    ));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert_eq!(b.try_acquire("f", fast).await.unwrap(), Decision::Allowed);
    assert!(matches!(
        a.try_acquire("f", fast).await.unwrap(),
        Decision::Limited { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_never_take_more_than_the_bucket_holds() {
    use edgemcp::middleware::{Decision, Limit};
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let (a, b) = two_limiters(&url).await;
    for (round, burst) in [(0, 1u32), (1, 5), (2, 13)] {
        // One a minute: nothing refills while the round runs.
        let limit = Limit {
            per_minute: 1,
            burst,
        };
        let key = format!("round-{round}");
        let attempts: Vec<_> = (0..40)
            .map(|i| {
                let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
                let key = key.clone();
                tokio::spawn(async move { limiter.try_acquire(&key, limit).await.unwrap() })
            })
            .collect();
        let mut allowed = 0;
        for attempt in attempts {
            allowed += u32::from(attempt.await.unwrap() == Decision::Allowed);
        }
        assert_eq!(allowed, burst, "40 racing requests on a bucket of {burst}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_enforce_one_rate_limit() {
    let Some(admin) = server_url() else { return };
    let url = fresh_database(&admin).await;
    let limits = [
        ("EDGEMCP_RATE_LIMIT_PER_MINUTE", "5"),
        ("EDGEMCP_RATE_LIMIT_TOOLS", "kv_get=2"),
    ];
    let (a, at_a) = serve_with(&url, &limits);
    let (b, at_b) = serve_with(&url, &limits);
    let key = json!({"key": "missing"});
    let count = json!({"query": "SELECT count(*) AS n FROM customers"});
    // Both servers draw from one tool budget and one budget of all requests.
    for (at, tool, arguments, allowed) in [
        (&at_a, "kv_get", &key, true),
        (&at_b, "kv_get", &key, true),
        (&at_a, "kv_get", &key, false), // the tool's budget of 2 is spent
        (&at_b, "sql_query", &count, true),
        (&at_a, "sql_query", &count, true),
        (&at_b, "sql_query", &count, true), // the fifth request admitted
        (&at_a, "sql_query", &count, false),
        (&at_b, "sql_query", &count, false),
    ] {
        let (status, reply) = call_with_status(at, tool, arguments.clone()).await;
        if allowed {
            assert_eq!(status, 200, "{tool} on {at}: {reply}");
            assert!(reply["result"].is_object(), "{reply}");
        } else {
            assert_eq!(status, 429, "{tool} on {at}: {reply}");
            assert_eq!(reply["error"]["code"], edgemcp::middleware::RATE_LIMITED);
            let message = reply["error"]["message"].as_str().unwrap();
            let budget = if tool == "kv_get" {
                "2 a minute"
            } else {
                "5 a minute"
            };
            assert!(message.contains(budget), "{message}");
            assert!(
                reply["error"]["data"]["retryAfterSeconds"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
    }
    drop((a, b));

    // Kept per instance instead, each server has its own budget.
    let url = fresh_database(&admin).await;
    let local = [
        ("EDGEMCP_RATE_LIMIT_PER_MINUTE", "2"),
        ("EDGEMCP_RATE_LIMIT_SHARED", "false"),
    ];
    let (a, at_a) = serve_with(&url, &local);
    let (b, at_b) = serve_with(&url, &local);
    for (at, expected) in [
        (&at_a, 200),
        (&at_a, 200),
        (&at_b, 200),
        (&at_b, 200),
        (&at_a, 429),
    ] {
        let (status, reply) = call_with_status(at, "sql_query", count.clone()).await;
        assert_eq!(status, expected, "{reply}");
    }
    drop((a, b));
}
