//! PostgreSQL for the SQL toolkit and the KV store, so many instances (Cloud Run,
//! Lambda) share one database.
//!
//! | trait | type | in the database |
//! |---|---|---|
//! | [`SqlDatabase`](edgemcp::storage::SqlDatabase) | [`PgSql`] | the tables of the configured schemas (`public`) |
//! | [`KvStore`](edgemcp::storage::KvStore) | [`PgKv`] | table `edgemcp.kv` |
//! | [`RateLimiter`](edgemcp::middleware::RateLimiter) | [`PgRateLimiter`] | table `edgemcp.rate_limits` |
//!
//! [`open`] connects at start (retrying with backoff while the server is not up yet),
//! creates the `edgemcp` schema, applies the migrations folder once per database (ledger
//! `edgemcp.migrations`, under an advisory lock so instances starting together take
//! turns), and returns the stores over one bounded connection pool.

mod error;
mod kv;
mod pool;
mod rate_limit;
mod sql;
mod tasks;
mod tls;
mod values;

pub use kv::PgKv;
pub use rate_limit::PgRateLimiter;
pub use sql::PgSql;
pub use tasks::PgTasks;
pub use tls::RustlsConnect;

use crate::log;
use edgemcp::runtime::Runtime;
use edgemcp::{Error, Result};
use pool::{Pool, Tls};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::config::SslMode;

/// Where the database is and how to reach it.
#[derive(Clone)]
pub struct PgSettings {
    /// The connection settings (host, port, user, password, database, TLS mode).
    pub config: tokio_postgres::Config,
    /// The most connections open at once (`EDGEMCP_DATABASE_POOL_SIZE`, default 8).
    pub pool_size: usize,
    /// How long to wait for a connection (`EDGEMCP_DATABASE_CONNECT_TIMEOUT_MS`, 5 s).
    pub connect_timeout: Duration,
    /// How long to keep trying at start (`EDGEMCP_DATABASE_START_TIMEOUT_MS`, 30 s).
    pub start_timeout: Duration,
    /// PEM roots to trust instead of the system's (`EDGEMCP_DATABASE_CA_FILE`).
    pub ca_file: Option<PathBuf>,
    /// The schemas the SQL toolkit shows and searches (`EDGEMCP_SQL_SCHEMAS`, `public`).
    pub schemas: Vec<String>,
    /// Each statement's time limit on the server (`EDGEMCP_SQL_TIMEOUT_MS`).
    pub statement_timeout: Duration,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's own Debug leaves the password out.
        f.debug_struct("PgSettings")
            .field("config", &self.config)
            .field("pool_size", &self.pool_size)
            .field("schemas", &self.schemas)
            .finish_non_exhaustive()
    }
}

impl PgSettings {
    /// Reads `EDGEMCP_DATABASE_URL` (`postgres://user:password@host:port/db?sslmode=…`),
    /// or else the standard `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE` and
    /// `PGSSLMODE`; `None` when neither is set (SQLite stays the store).
    ///
    /// # Errors
    /// A configuration error naming the setting that cannot be read.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let config = match var("EDGEMCP_DATABASE_URL") {
            Some(url) => parse_url(&url)?,
            None => match from_pg_vars(&var)? {
                Some(config) => config,
                None => return Ok(None),
            },
        };
        let number = |name: &str, default: u64| -> Result<u64> {
            match var(name) {
                None => Ok(default),
                Some(text) => text.parse().map_err(|_| {
                    Error::config(format!("{name} must be a whole number, not {text:?}."))
                }),
            }
        };
        let schemas: Vec<String> = var("EDGEMCP_SQL_SCHEMAS")
            .unwrap_or_else(|| "public".to_owned())
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if schemas.is_empty()
            || schemas
                .iter()
                .any(|s| s == "edgemcp" || s == "pg_catalog" || s == "information_schema")
        {
            return Err(Error::config(
                "EDGEMCP_SQL_SCHEMAS must list the schemas of your own tables (e.g. public,sales); \
                 edgemcp, pg_catalog and information_schema cannot be among them.",
            ));
        }
        Ok(Some(PgSettings {
            config,
            pool_size: usize::try_from(number("EDGEMCP_DATABASE_POOL_SIZE", 8)?.max(1))
                .unwrap_or(8),
            connect_timeout: Duration::from_millis(
                number("EDGEMCP_DATABASE_CONNECT_TIMEOUT_MS", 5_000)?.max(1),
            ),
            start_timeout: Duration::from_millis(number(
                "EDGEMCP_DATABASE_START_TIMEOUT_MS",
                30_000,
            )?),
            ca_file: var("EDGEMCP_DATABASE_CA_FILE").map(PathBuf::from),
            schemas,
            statement_timeout: Duration::from_millis(
                number("EDGEMCP_SQL_TIMEOUT_MS", 5_000)?.max(1),
            ),
        }))
    }

    /// A short description for logs: host, port and database, never the password.
    pub fn describe(&self) -> String {
        let hosts: Vec<String> = self
            .config
            .get_hosts()
            .iter()
            .map(|host| match host {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or("(the user's)");
        format!("{}:{port}/{db}", hosts.join(","))
    }
}

/// Parses a connection URL. tokio-postgres knows `sslmode` `disable`, `prefer` and
/// `require`; `verify-ca` and `verify-full` (what managed databases document) mean
/// `require` here, since the certificate and host name are always verified.
fn parse_url(url: &str) -> Result<tokio_postgres::Config> {
    let url = url
        .replace("sslmode=verify-full", "sslmode=require")
        .replace("sslmode=verify-ca", "sslmode=require");
    tokio_postgres::Config::from_str(&url).map_err(|e| {
        Error::config(format!(
            "EDGEMCP_DATABASE_URL cannot be read ({e}); write it as \
             postgres://user:password@host:5432/database?sslmode=require"
        ))
    })
}

fn from_pg_vars(var: &impl Fn(&str) -> Option<String>) -> Result<Option<tokio_postgres::Config>> {
    let names = [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSSLMODE",
    ];
    if names.iter().all(|name| var(name).is_none()) {
        return Ok(None);
    }
    let mut config = tokio_postgres::Config::new();
    config.host(var("PGHOST").unwrap_or_else(|| "localhost".to_owned()));
    if let Some(port) = var("PGPORT") {
        config.port(
            port.parse().map_err(|_| {
                Error::config(format!("PGPORT must be a port number, not {port:?}."))
            })?,
        );
    }
    config.user(var("PGUSER").unwrap_or_else(|| "postgres".to_owned()));
    if let Some(password) = var("PGPASSWORD") {
        config.password(password);
    }
    if let Some(db) = var("PGDATABASE") {
        config.dbname(&db);
    }
    match var("PGSSLMODE").as_deref() {
        None | Some("prefer" | "allow") => config.ssl_mode(SslMode::Prefer),
        Some("disable") => config.ssl_mode(SslMode::Disable),
        Some("require" | "verify-ca" | "verify-full") => config.ssl_mode(SslMode::Require),
        Some(other) => {
            return Err(Error::config(format!(
            "PGSSLMODE must be disable, prefer, require, verify-ca or verify-full, not {other:?}."
        )))
        }
    };
    config.application_name("edgemcp");
    Ok(Some(config))
}

/// The stores over one pool, after the database is ready.
pub struct PgStores {
    /// The SQL toolkit's database.
    pub sql: PgSql,
    /// The key-value store.
    pub kv: PgKv,
    /// The rate-limit buckets every instance shares.
    pub rate_limiter: PgRateLimiter,
    /// The tasks every instance shares.
    pub tasks: PgTasks,
    /// The migrations applied at this start, by name.
    pub applied: Vec<String>,
}

/// Connects (retrying with backoff up to the start timeout), prepares the `edgemcp`
/// schema and applies the `*.sql` files of `migrations` not applied yet.
///
/// Runs on its own thread and runtime, so it works from synchronous code and from
/// inside an async runtime alike; the pool's connections open later, on the runtime
/// that serves requests.
///
/// # Errors
/// When the server cannot be reached within the start timeout, refuses the login, or
/// a migration fails; the message names what to fix.
pub fn open(
    settings: &PgSettings,
    runtime: Runtime,
    migrations: Option<&Path>,
) -> Result<PgStores> {
    let tls = match settings.config.get_ssl_mode() {
        SslMode::Disable => Tls::Off,
        _ => Tls::On(
            RustlsConnect::new(settings.ca_file.as_deref()).map_err(|why| {
                Error::config(format!(
                    "{why}; fix EDGEMCP_DATABASE_CA_FILE or use sslmode=disable"
                ))
            })?,
        ),
    };
    let start = {
        let (settings, tls) = (settings.clone(), tls.clone());
        let migrations = migrations.map(Path::to_path_buf);
        move || -> Result<Vec<String>> {
            let local = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| {
                    Error::internal(format!("cannot start a runtime for PostgreSQL: {e}"))
                })?;
            local.block_on(prepare(&settings, &tls, migrations.as_deref()))
        }
    };
    let applied = std::thread::scope(|scope| {
        scope
            .spawn(start)
            .join()
            .unwrap_or_else(|_| Err(Error::internal("the PostgreSQL start-up thread panicked")))
    })?;
    let pool = Pool::new(
        settings.config.clone(),
        tls,
        settings.pool_size,
        settings.connect_timeout,
    );
    Ok(PgStores {
        sql: PgSql::new(
            pool.clone(),
            settings.schemas.clone(),
            settings.statement_timeout,
        ),
        kv: PgKv::new(pool.clone(), runtime),
        rate_limiter: PgRateLimiter::new(pool.clone()),
        tasks: PgTasks::new(pool),
        applied,
    })
}

/// Connects with retries, then sets the database up.
async fn prepare(
    settings: &PgSettings,
    tls: &Tls,
    migrations: Option<&Path>,
) -> Result<Vec<String>> {
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(250);
    let mut client = loop {
        match pool::connect(&settings.config, tls, settings.connect_timeout).await {
            Ok(client) => break client,
            Err(err)
                if err.is_temporary() && started.elapsed() + delay < settings.start_timeout =>
            {
                log::warn(
                    "PostgreSQL is not reachable yet; trying again",
                    &[
                        ("database", settings.describe().into()),
                        (
                            "retry_in_ms",
                            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX).into(),
                        ),
                        ("error", err.message().to_owned().into()),
                    ],
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(4));
            }
            Err(err) => return Err(err),
        }
    };
    let failed = |what: &str, e: tokio_postgres::Error| {
        let cause = error::pg_error(&e);
        Error::config(format!("{what} failed: {}", cause.message()))
    };
    // Instances starting together take turns; the lock ends with the connection.
    client
        .batch_execute("SELECT pg_advisory_lock(7306238467)")
        .await
        .map_err(|e| failed("Taking the start-up lock", e))?;
    client
        .batch_execute(kv::SCHEMA)
        .await
        .map_err(|e| failed("Creating the edgemcp schema", e))?;
    client
        .batch_execute(rate_limit::TABLE)
        .await
        .map_err(|e| failed("Creating the rate-limit table", e))?;
    client
        .batch_execute(tasks::TABLE)
        .await
        .map_err(|e| failed("Creating the task table", e))?;
    client
        .batch_execute(LEDGER)
        .await
        .map_err(|e| failed("Creating the migrations ledger", e))?;
    let Some(dir) = migrations else {
        return Ok(Vec::new());
    };
    // Migrations create the toolkit's tables in its first schema, whatever the role's
    // search path says (`"$user"` would be the `edgemcp` schema for a role of that name).
    let first = settings.schemas.first().map_or("public", String::as_str);
    client
        .batch_execute(&format!(
            "SET search_path TO {}",
            sql::quote_identifier(first)
        ))
        .await
        .map_err(|e| failed("Choosing the schema for migrations", e))?;
    let mut applied = Vec::new();
    for name in super::migrate::migration_files(dir)? {
        let known = client
            .query_opt("SELECT 1 FROM edgemcp.migrations WHERE name = $1", &[&name])
            .await
            .map_err(|e| failed("Reading the migrations ledger", e))?
            .is_some();
        if known {
            continue;
        }
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::config(format!("Cannot read the migration {}: {e}", path.display()))
        })?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| failed("Starting a migration", e))?;
        let rolled_back = |e: tokio_postgres::Error| {
            Error::config(format!(
                "The migration {name} failed and was rolled back: {}; fix the file and start again.",
                error::pg_error(&e).message()
            ))
        };
        tx.batch_execute(&text).await.map_err(rolled_back)?;
        tx.execute(
            "INSERT INTO edgemcp.migrations (name) VALUES ($1)",
            &[&name],
        )
        .await
        .map_err(rolled_back)?;
        tx.commit().await.map_err(rolled_back)?;
        applied.push(name);
    }
    Ok(applied)
}

/// The migrations ledger.
const LEDGER: &str = "CREATE TABLE IF NOT EXISTS edgemcp.migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)";

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Option<PgSettings>> {
        PgSettings::from_vars(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn settings_come_from_the_url_or_the_pg_variables() {
        assert!(read(&[]).unwrap().is_none(), "no database: SQLite stays");
        let url = read(&[(
            "EDGEMCP_DATABASE_URL",
            "postgres://app:secret@db.example:6543/shop?sslmode=verify-full",
        )])
        .unwrap()
        .unwrap();
        assert_eq!(url.describe(), "db.example:6543/shop");
        assert_eq!(url.config.get_ssl_mode(), SslMode::Require);
        assert!(
            !format!("{url:?}").contains("secret"),
            "Debug never shows the password"
        );
        assert_eq!(url.schemas, ["public"]);

        let pg = read(&[
            ("PGHOST", "10.0.0.5"),
            ("PGDATABASE", "app"),
            ("PGSSLMODE", "disable"),
            ("EDGEMCP_SQL_SCHEMAS", "sales, public"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(pg.describe(), "10.0.0.5:5432/app");
        assert_eq!(pg.config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(pg.schemas, ["sales", "public"]);
    }

    #[test]
    fn mistakes_name_the_setting() {
        for (vars, expected) in [
            (
                &[("EDGEMCP_DATABASE_URL", "mysql://x")][..],
                "EDGEMCP_DATABASE_URL",
            ),
            (&[("PGPORT", "five")][..], "PGPORT"),
            (&[("PGSSLMODE", "maybe")][..], "PGSSLMODE"),
            (
                &[("PGHOST", "h"), ("EDGEMCP_SQL_SCHEMAS", "edgemcp")][..],
                "EDGEMCP_SQL_SCHEMAS",
            ),
            (
                &[("PGHOST", "h"), ("EDGEMCP_DATABASE_POOL_SIZE", "many")][..],
                "EDGEMCP_DATABASE_POOL_SIZE",
            ),
        ] {
            let err = read(vars).err().unwrap();
            assert!(err.message().contains(expected), "{vars:?}: {err}");
        }
    }
}
