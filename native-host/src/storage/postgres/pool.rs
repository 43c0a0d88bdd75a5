//! A bounded pool of PostgreSQL connections.
//!
//! At most `max_size` connections exist at once; a caller waits for a free one up to the
//! connect timeout. A connection goes back to the pool only when its lease ends with no
//! transaction open: a lease dropped mid-statement (a time limit ran out, the client went
//! away) closes its connection and asks the server to cancel what it was running, so no
//! other caller inherits a half-finished transaction.

use super::error::{pg_error, unreachable_error};
use super::tls::RustlsConnect;
use edgemcp::{Error, Result};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, Config};

/// The settings every new connection starts with, so the guard's reading of the SQL is
/// the server's: standard strings (backslashes are plain), and a UTC clock.
const SESSION_SETUP: &str = "SET standard_conforming_strings = on; SET TIME ZONE 'UTC'";

/// How connections are made.
#[derive(Clone)]
pub(crate) enum Tls {
    /// Plain TCP or a Unix socket (`sslmode=disable`, or a loopback test server).
    Off,
    /// TLS with rustls.
    On(RustlsConnect),
}

struct Inner {
    config: Config,
    tls: Tls,
    idle: Mutex<Vec<Client>>,
    permits: Arc<Semaphore>,
    connect_timeout: Duration,
}

/// The pool; cheap to clone.
#[derive(Clone)]
pub(crate) struct Pool(Arc<Inner>);

impl Pool {
    pub(crate) fn new(
        config: Config,
        tls: Tls,
        max_size: usize,
        connect_timeout: Duration,
    ) -> Self {
        Pool(Arc::new(Inner {
            config,
            tls,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max_size.max(1))),
            connect_timeout,
        }))
    }

    /// A connection: an idle one, or a new one while the pool has room.
    pub(crate) async fn get(&self) -> Result<Lease> {
        let inner = &self.0;
        let permit =
            tokio::time::timeout(inner.connect_timeout, inner.permits.clone().acquire_owned())
                .await
                .map_err(|_| {
                    Error::storage(format!(
                        "every PostgreSQL connection stayed busy for {} ms; try again, or raise \
                     EDGEMCP_DATABASE_POOL_SIZE",
                        inner.connect_timeout.as_millis()
                    ))
                    .set_temporary()
                })?
                .map_err(|_| Error::storage("the PostgreSQL pool is closed").set_temporary())?;
        let idle = loop {
            let next = inner.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
            match next {
                Some(client) if client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match idle {
            Some(client) => client,
            None => connect(&inner.config, &inner.tls, inner.connect_timeout).await?,
        };
        Ok(Lease {
            client: Some(client),
            pool: self.0.clone(),
            _permit: permit,
            clean: true,
        })
    }
}

/// Opens one connection, runs the session setup and drives it on the tokio runtime.
pub(crate) async fn connect(config: &Config, tls: &Tls, timeout: Duration) -> Result<Client> {
    let opened = async {
        let client = match tls {
            Tls::Off => {
                let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
                tokio::spawn(connection);
                client
            }
            Tls::On(tls) => {
                let (client, connection) = config.connect(tls.clone()).await?;
                tokio::spawn(connection);
                client
            }
        };
        client.batch_execute(SESSION_SETUP).await?;
        Ok::<_, tokio_postgres::Error>(client)
    };
    match tokio::time::timeout(timeout, opened).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(err)) => Err(pg_error(&err)),
        Err(_) => Err(unreachable_error(&format!(
            "no answer within {} ms",
            timeout.as_millis()
        ))),
    }
}

/// A connection borrowed from the pool.
pub(crate) struct Lease {
    client: Option<Client>,
    pool: Arc<Inner>,
    _permit: OwnedSemaphorePermit,
    clean: bool,
}

impl Lease {
    /// The connection.
    pub(crate) fn client(&self) -> Result<&Client> {
        self.client
            .as_ref()
            .ok_or_else(|| Error::internal("a PostgreSQL lease was used after it ended"))
    }

    /// Marks the connection as inside a transaction until [`Lease::settled`].
    pub(crate) fn begin(&mut self) {
        self.clean = false;
    }

    /// Marks the transaction as ended (committed or rolled back).
    pub(crate) fn settled(&mut self) {
        self.clean = true;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if self.clean && !client.is_closed() {
            if let Ok(mut idle) = self.pool.idle.lock() {
                idle.push(client);
            }
            return;
        }
        // Stop the statement on the server; dropping the client closes the connection,
        // which rolls the transaction back.
        let token = client.cancel_token();
        let tls = self.pool.tls.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = match tls {
                    Tls::Off => token.cancel_query(tokio_postgres::NoTls).await,
                    Tls::On(tls) => token.cancel_query(tls).await,
                };
            });
        }
    }
}
