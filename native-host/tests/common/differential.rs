//! The differential check between the read guard and SQLite: whenever the guard admits a
//! statement, SQLite must read it as the guard did. Shared by the property test in
//! `tests/sql_differential.rs` and the fuzz target in `fuzz/`.
//!
//! For an admitted statement, both the statement and the page query the server builds
//! from it are prepared (never run) on a SQLite connection with an authorizer that records
//! every action the native host's policy would deny. SQLite agrees when each preparation
//! either fails (a syntax error, an unknown name: the engine refuses, nothing runs) or
//! yields one statement with an empty tail, which `sqlite3_stmt_readonly` calls read-only,
//! and during which the authorizer saw only reads and allowed functions.

use edgemcp::toolkit::sql_policy::{check_read_only, paged_query};
use edgemcp_native::storage::{authorize, StatementPolicy};
use rusqlite::hooks::{AuthContext, Authorization};
use std::sync::{Arc, Mutex};

/// The schema statements are prepared against, so names resolve and SQLite reaches the
/// authorizer for the interesting parts.
pub const SCHEMA: &str = "CREATE TABLE t (a, b, c);
     CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, city TEXT);
     CREATE VIEW v AS SELECT a FROM t;";

/// A connection on an in-memory database with [`SCHEMA`], ready for [`check`].
pub fn connection() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database opens");
    conn.execute_batch(SCHEMA).expect("the schema applies");
    conn
}

/// How a statement fared, when guard and SQLite agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The guard refused it.
    GuardRefused,
    /// The guard admitted it and SQLite refused to prepare it (a syntax error, an unknown
    /// name): it cannot run.
    EngineRefused,
    /// The guard admitted it and SQLite prepared it as one read-only statement that does
    /// only what the policy allows.
    Prepared,
}

/// Checks one statement; `Err` describes a disagreement: a statement the guard admitted
/// that SQLite reads as something else.
pub fn check(conn: &mut rusqlite::Connection, sql: &str) -> Result<Agreement, String> {
    if check_read_only(sql).is_err() {
        return Ok(Agreement::GuardRefused);
    }
    let mut agreement = Agreement::EngineRefused;
    for form in [sql.to_owned(), paged_query(sql, 2, 0)] {
        if check_prepared(conn, &form).map_err(|why| format!("{why}\n  statement: {form:?}"))? {
            agreement = Agreement::Prepared;
        }
    }
    Ok(agreement)
}

/// Prepares `sql`: `Ok(true)` when SQLite prepared it and agrees, `Ok(false)` when SQLite
/// refused it.
fn check_prepared(conn: &mut rusqlite::Connection, sql: &str) -> Result<bool, String> {
    let denied = Arc::new(Mutex::new(Vec::<String>::new()));
    let record = denied.clone();
    conn.authorizer(Some(move |context: AuthContext<'_>| {
        if authorize(StatementPolicy::Read, &context) == Authorization::Deny {
            if let Ok(mut denied) = record.lock() {
                denied.push(format!("{:?}", context.action));
            }
        }
        // Allowed, so every action of the statement is seen; it is never run.
        Authorization::Allow
    }))
    .map_err(|e| format!("cannot install the authorizer: {e}"))?;
    let outcome = match conn.prepare(sql) {
        Ok(statement) if !statement.readonly() => {
            Err("the guard admitted it, but SQLite says it writes".to_owned())
        }
        Ok(_) => Ok(true),
        Err(rusqlite::Error::MultipleStatement) => {
            Err("the guard admitted one statement, but SQLite reads more than one".to_owned())
        }
        // SQLite refuses the statement: it does not run, whatever it is.
        Err(_) => Ok(false),
    };
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>)
        .map_err(|e| format!("cannot remove the authorizer: {e}"))?;
    let denied = denied.lock().map(|d| d.clone()).unwrap_or_default();
    let prepared = outcome?;
    if !prepared || denied.is_empty() {
        Ok(prepared)
    } else {
        Err(format!(
            "the guard admitted it, but SQLite's authorizer saw actions the policy denies: {denied:?}"
        ))
    }
}
