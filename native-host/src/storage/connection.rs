//! One SQLite connection shared by async callers, and how SQLite's errors reach users.

use super::{blocking, lock};
use edgemcp::{Error, Result};
use rusqlite::{ErrorCode, InterruptHandle, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a statement waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where a job is, so a caller that gives up interrupts its own statement and nobody else's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobState {
    Waiting,
    Running,
    Finished,
    Abandoned,
}

/// A SQLite connection behind a lock, driven from async code.
///
/// Each [`run`](Connection::run) locks the connection for the duration of one job on
/// tokio's blocking pool. When the caller drops the future while its job runs (a time
/// limit ran out), the job's statement is interrupted; a job not yet started never starts.
#[derive(Clone)]
pub(super) struct Connection {
    conn: Arc<Mutex<rusqlite::Connection>>,
    interrupt: Arc<InterruptHandle>,
    what: &'static str,
}

impl Connection {
    /// Opens (creating if needed) the SQLite file at `path` in WAL mode.
    ///
    /// `what` names the store in error messages ("SQL database", "key-value store").
    /// With `query_only`, the engine itself refuses every write on this connection.
    pub(super) fn open(path: &Path, what: &'static str, query_only: bool) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| {
            Error::config(format!(
                "Cannot open the {what} at {}: {e}; check that the data folder is writable \
                 (--data-dir).",
                path.display()
            ))
        })?;
        let setup = || -> rusqlite::Result<()> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            // No statement may reach another database file through ATTACH.
            conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
            if query_only {
                conn.pragma_update(None, "query_only", "ON")?;
            }
            Ok(())
        };
        setup().map_err(|e| {
            Error::config(format!(
                "Cannot prepare the {what} at {}: {e}; is it a SQLite database?",
                path.display()
            ))
        })?;
        Ok(Connection {
            interrupt: Arc::new(conn.get_interrupt_handle()),
            conn: Arc::new(Mutex::new(conn)),
            what,
        })
    }

    /// Runs `job` with the connection locked, on this thread: for work at start-up,
    /// before any async caller exists.
    pub(super) fn run_now<T>(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        job(&mut *lock(&self.conn, self.what)?)
    }

    /// Runs `job` with the connection locked, off the async threads.
    pub(super) async fn run<T, F>(&self, job: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T> + Send + 'static,
    {
        let state = Arc::new(Mutex::new(JobState::Waiting));
        let guard = InterruptOnDrop {
            state: state.clone(),
            interrupt: self.interrupt.clone(),
        };
        let conn = self.conn.clone();
        let what = self.what;
        let out = blocking(what, move || {
            let mut conn = lock(&conn, what)?;
            {
                let mut state = lock(&state, what)?;
                if *state == JobState::Abandoned {
                    return Err(Error::storage(format!(
                        "the {what} call was abandoned before it started"
                    )));
                }
                *state = JobState::Running;
            }
            let out = job(&mut conn);
            // Marked under the connection lock, so an interrupt can only hit this job.
            *lock(&state, what)? = JobState::Finished;
            out
        })
        .await;
        drop(guard);
        out
    }
}

/// Interrupts the job's statement when the caller stops waiting for it.
struct InterruptOnDrop {
    state: Arc<Mutex<JobState>>,
    interrupt: Arc<InterruptHandle>,
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        // A poisoned lock means the job already failed; there is nothing to interrupt.
        if let Ok(mut state) = self.state.lock() {
            match *state {
                JobState::Waiting => *state = JobState::Abandoned,
                // Holding the state lock keeps the job from finishing and releasing the
                // connection to the next job before the interrupt lands.
                JobState::Running => self.interrupt.interrupt(),
                JobState::Finished | JobState::Abandoned => {}
            }
        }
    }
}

/// Turns an error from a statement a user sent into an error that says what to do.
///
/// Problems with the statement itself (syntax, unknown names, constraints, writes on the
/// read-only connection) are the caller's to fix; the rest are the store's.
pub(super) fn statement_error(e: rusqlite::Error) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(failure, message) => {
            let message = message.clone().unwrap_or_else(|| failure.to_string());
            match failure.code {
                ErrorCode::OperationInterrupted => Error::storage(
                    "the statement was stopped because it ran past its time limit; \
                     narrow the query (a WHERE clause, fewer joins) and try again",
                ),
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                    Error::storage(format!("the database is busy ({message}); try again"))
                        .set_temporary()
                }
                ErrorCode::AuthorizationForStatementDenied => Error::invalid_params(format!(
                    "The database refused the query ({message}): the SQL policy allows only \
                     reads of the database's own tables and SQLite's built-in functions, \
                     never pragmas, engine tables, settings or other files"
                )),
                ErrorCode::TooBig => Error::invalid_params(format!(
                    "The database refused the query ({message}): it would build a value \
                     larger than the result budget (EDGEMCP_SQL_MAX_RESULT_BYTES); select \
                     part of it, e.g. substr(column, 1, 1000) or length(column)"
                )),
                ErrorCode::Unknown
                | ErrorCode::ConstraintViolation
                | ErrorCode::TypeMismatch
                | ErrorCode::ReadOnly
                | ErrorCode::ApiMisuse => {
                    Error::invalid_params(format!("The database refused the query: {message}"))
                }
                _ => Error::storage(format!("the database failed: {message}")),
            }
        }
        rusqlite::Error::MultipleStatement => Error::invalid_params(
            "The database refused the query: it holds more than one statement; send one at a time",
        ),
        rusqlite::Error::InvalidParameterCount(given, expected) => Error::invalid_params(format!(
            "The database refused the query: it has {expected} placeholder(s) but {given} \
             parameter(s) were given"
        )),
        rusqlite::Error::Empty => Error::invalid_params(
            "The database refused the query: it holds no statement, only whitespace or comments",
        ),
        _ => Error::invalid_params(format!("The database refused the query: {e}")),
    }
}

/// Turns an error from a statement this host wrote (the KV table, the ledger) into a
/// storage error.
pub(super) fn store_error(what: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(
                failure.code,
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked
            ) =>
        {
            Error::storage(format!("the {what} is busy ({e}); try again")).set_temporary()
        }
        _ => Error::storage(format!("the {what} failed: {e}")),
    }
}
