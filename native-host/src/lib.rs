//! Native host for edgemcp: one binary for Cloud Run, AWS Lambda and stdio.
//!
//! - [`serve`](mod@serve): Streamable HTTP on `HOST:PORT` (`/mcp`, `/health`), draining in-flight
//!   requests on SIGTERM or SIGINT.
//! - [`stdio`](mod@stdio): newline-delimited JSON-RPC on stdin and stdout, logs on stderr.
//! - [`lambda`](mod@lambda): the same router under AWS Lambda, through `lambda_http`; metrics as
//!   CloudWatch EMF lines ([`emf`]).
//! - [`tester`]: `edgemcp test`, scenario tests against any MCP server, on the MCP client
//!   of [`edgemcp::client`] over the transports in [`client`].
//! - [`telemetry`]: the core's spans exported over OTLP/HTTP from a thread of their own.
//! - [`storage`]: SQLite for SQL and KV, a directory (or an S3-compatible bucket) for
//!   blobs, under one data folder;
//!   the D1 migrations in `migrations/` are applied at start.
//!
//! A server of your own runs on any of them in one line: [`serve()`], [`stdio()`],
//! [`lambda()`], or [`main()`], which picks one from the command line as the `edgemcp`
//! binary does.
//!
//! tokio and the HTTP stack live here only; the core stays runtime-free.

pub mod client;
pub mod config;
pub mod emf;
mod error_text;
mod host;
pub mod lambda;
pub mod log;
pub mod metrics;
pub mod runtime;
pub mod serve;
pub mod stdio;
pub mod storage;
pub mod telemetry;
pub mod tester;

pub use host::{lambda, main, run, serve, stdio, HostError};

use config::{BlobBackend, NativeConfig};
use edgemcp::storage::{BreakerSettings, CircuitBreaker, Guarded, KvStore, SqlDatabase};
use edgemcp::toolkit::{Stores, ToolkitConfig};
use edgemcp::{Readiness, Result, Server};
use std::sync::Arc;
use storage::Metered;

/// Opens the stores (applying migrations) and builds the server every command runs.
///
/// Layout under the data folder: `db.sqlite` (the SQL toolkit's database), `kv.sqlite`
/// (the KV store), `tasks.sqlite` (tasks), `blobs/` (the object store, unless
/// `EDGEMCP_BLOB_BACKEND=s3`). With `EDGEMCP_DATABASE_URL` (or the `PG*` variables), SQL,
/// KV and tasks live in PostgreSQL instead, shared by every instance.
///
/// # Errors
/// When the data folder cannot be created or opened, a migration fails, or a setting is
/// invalid; the message names what to fix.
pub fn build_server(config: &NativeConfig) -> Result<Server> {
    let toolkit = ToolkitConfig::from_vars(|name| config.var(name))?;
    let data = config.data_dir();
    std::fs::create_dir_all(&data).map_err(|e| {
        edgemcp::Error::config(format!(
            "Cannot create the data folder {}: {e}; pass --data-dir.",
            data.display()
        ))
    })?;
    let measured = match config.var("EDGEMCP_METRICS_ENABLED") {
        Some(flag) => edgemcp::toolkit::parse_flag("EDGEMCP_METRICS_ENABLED", &flag)?,
        None => true,
    };
    metrics::set_enabled(measured);
    // Under Lambda, the measurements also go out as CloudWatch EMF lines.
    let emf = match config.var("EDGEMCP_METRICS_EMF") {
        Some(flag) => edgemcp::toolkit::parse_flag("EDGEMCP_METRICS_EMF", &flag)?,
        None => config.command == config::Command::Lambda,
    };
    if measured && emf {
        emf::enable(
            &config
                .var("EDGEMCP_METRICS_NAMESPACE")
                .unwrap_or_else(|| "edgemcp".to_owned()),
        );
    }
    let mut runtime = match runtime::runtime()? {
        runtime if measured => runtime.with_metrics(metrics::ProcessMetrics),
        runtime => runtime,
    };
    if let Some(otlp) = edgemcp::telemetry::OtlpSettings::from_vars(|name| config.var(name))? {
        let sampler = otlp.sampler.clone();
        runtime = runtime.with_spans(telemetry::start(otlp)?, sampler);
    }
    let OpenedStores {
        sql,
        kv,
        tasks,
        rate_limiter,
    } = open_sql_and_kv(config, &toolkit, &runtime)?;
    let blobs: Arc<dyn edgemcp::storage::BlobStore> = match config.blob_backend()? {
        BlobBackend::Directory(folder) => Arc::new(Metered::new(
            Arc::new(storage::FsBlobs::open(&folder, runtime.clone())?),
            "fs",
        )),
        BlobBackend::S3(settings) => {
            log::info(
                "objects are kept in an S3-compatible bucket",
                &[("bucket", settings.bucket.as_str().into())],
            );
            Arc::new(Metered::new(
                Arc::new(storage::S3Blobs::open(&settings)?),
                "s3",
            ))
        }
    };
    // Each store behind a breaker, outside the metering: a call the breaker refuses
    // never reached the store, so it is not timed as one.
    let breakers = BreakerSettings::from_vars(|name| config.var(name))?;
    let breaker = |store| Arc::new(CircuitBreaker::new(store, breakers, runtime.clone()));
    let (sql_breaker, kv_breaker, blob_breaker) = (breaker("sql"), breaker("kv"), breaker("blobs"));
    let stores = Stores {
        sql: Some(Arc::new(Guarded::new(sql, sql_breaker.clone()))),
        kv: Some(Arc::new(Guarded::new(kv, kv_breaker.clone()))),
        blobs: Some(Arc::new(Guarded::new(blobs, blob_breaker.clone()))),
    };
    let builder = Server::builder("edgemcp", env!("CARGO_PKG_VERSION")).instructions(
        "Data tools: sql_* query the SQL database (read-only SELECTs, bound parameters), \
         kv_* read and write the key-value store, blob_* read and write the object store.",
    );
    let mut builder = builder.settings_from_vars(|name| config.var(name))?;
    if let Some(limiter) = rate_limiter {
        builder = builder.shared_rate_limiter(limiter);
    }
    let mut builder = edgemcp::toolkit::register(builder, &stores, &toolkit)?;
    let mut breakers = vec![sql_breaker, kv_breaker, blob_breaker];
    // Access control covers HTTP and Lambda; stdio trusts its peer (see `stdio`).
    if let Some(auth) = edgemcp::auth::Auth::from_vars(|name| config.var(name), &runtime)? {
        // The JWKS fetch's breaker shows on `/ready` beside the stores'.
        breakers.extend(auth.breakers());
        log::info(
            "access control on",
            &[("resource", auth.resource().to_owned().into())],
        );
        builder = builder.auth(auth);
    }
    let tasks_enabled = match config.var("EDGEMCP_TASKS_ENABLED") {
        Some(flag) => edgemcp::toolkit::parse_flag("EDGEMCP_TASKS_ENABLED", &flag)?,
        None => true,
    };
    if tasks_enabled {
        builder = builder
            .tasks_in(tasks)
            .task_settings(edgemcp::TaskSettings::from_vars(|name| config.var(name))?);
    }
    builder
        .readiness(Readiness::new().stores(&stores).breakers(breakers))
        .build(runtime)
}

/// The SQL, KV and task stores, and where rate-limit buckets live when not in memory.
struct OpenedStores {
    sql: Arc<dyn SqlDatabase>,
    kv: Arc<dyn KvStore>,
    tasks: Arc<dyn edgemcp::storage::TaskStore>,
    rate_limiter: Option<Arc<dyn edgemcp::middleware::RateLimiter>>,
}

/// The SQL and KV stores, metered: PostgreSQL when configured, else the SQLite files of
/// the data folder. Migrations are applied to whichever holds the SQL toolkit's tables.
/// On PostgreSQL the rate limits are kept there too, so they hold across instances,
/// unless `EDGEMCP_RATE_LIMIT_SHARED=false` keeps them per instance.
fn open_sql_and_kv(
    config: &NativeConfig,
    toolkit: &ToolkitConfig,
    runtime: &edgemcp::runtime::Runtime,
) -> Result<OpenedStores> {
    let migrations = config.migrations_dir();
    let migrations = migrations.is_dir().then_some(migrations);
    if migrations.is_none() {
        log::info(
            "no migrations folder; the database starts as it is",
            &[(
                "migrations_dir",
                config.migrations_dir().display().to_string().into(),
            )],
        );
    }
    if let Some(settings) = storage::postgres::PgSettings::from_vars(|name| config.var(name))? {
        log::info(
            "SQL, KV and tasks are kept in PostgreSQL",
            &[("database", settings.describe().into())],
        );
        let stores = storage::postgres::open(&settings, runtime.clone(), migrations.as_deref())?;
        for name in &stores.applied {
            log::info("migration applied", &[("name", name.as_str().into())]);
        }
        let shared_limits = match config.var("EDGEMCP_RATE_LIMIT_SHARED") {
            Some(flag) => edgemcp::toolkit::parse_flag("EDGEMCP_RATE_LIMIT_SHARED", &flag)?,
            None => true,
        };
        return Ok(OpenedStores {
            sql: Arc::new(Metered::new(Arc::new(stores.sql), "postgres")),
            kv: Arc::new(Metered::new(Arc::new(stores.kv), "postgres")),
            tasks: Arc::new(stores.tasks),
            rate_limiter: shared_limits.then(|| {
                Arc::new(stores.rate_limiter) as Arc<dyn edgemcp::middleware::RateLimiter>
            }),
        });
    }
    let data = config.data_dir();
    let db_path = data.join("db.sqlite");
    if let Some(migrations) = &migrations {
        for name in storage::apply_migrations(&db_path, migrations)? {
            log::info("migration applied", &[("name", name.as_str().into())]);
        }
    }
    let sql = storage::SqliteSql::open(&db_path, toolkit.sql.max_result_bytes)?;
    let kv = storage::SqliteKv::open(&data.join("kv.sqlite"), runtime.clone())?;
    let tasks = storage::SqliteTasks::open(&data.join("tasks.sqlite"))?;
    Ok(OpenedStores {
        sql: Arc::new(Metered::new(Arc::new(sql), "sqlite")),
        kv: Arc::new(Metered::new(Arc::new(kv), "sqlite")),
        tasks: Arc::new(tasks),
        rate_limiter: None,
    })
}
