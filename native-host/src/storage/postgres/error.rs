//! PostgreSQL's errors as the core's: the caller's mistakes (a bad query, a refused
//! write) are invalid params with the server's own words; an unreachable or overloaded
//! server is a temporary storage error the breaker counts; a login refused is a
//! configuration error that says what to fix.

use edgemcp::{Error, ErrorKind};
use tokio_postgres::error::SqlState;

/// The error for a failed call.
pub(crate) fn pg_error(err: &tokio_postgres::Error) -> Error {
    let Some(db) = err.as_db_error() else {
        if err.is_closed() {
            return unreachable_error("the connection closed");
        }
        return unreachable_error(&crate::error_text::with_causes(err));
    };
    let code = db.code();
    let class = code.code().get(..2).unwrap_or("");
    let message = db.message();
    let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    if *code == SqlState::QUERY_CANCELED {
        return Error::new(
            ErrorKind::Timeout,
            "PostgreSQL stopped the statement at its time limit (EDGEMCP_SQL_TIMEOUT_MS); \
             narrow it with WHERE or ask for fewer rows",
        );
    }
    if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        return Error::invalid_params(format!(
            "PostgreSQL refused the statement because queries run read-only: {message}"
        ));
    }
    match class {
        // Syntax, unknown names, bad data, constraints, privileges: the caller can fix it.
        "42" | "22" | "23" | "2B" | "21" | "0A" | "44" => Error::invalid_params(format!(
            "The database refused the statement: {message}{detail}"
        )),
        "28" => Error::config(format!(
            "PostgreSQL refused the login: {message}; check the user and password in \
             EDGEMCP_DATABASE_URL (or PGUSER / PGPASSWORD)"
        )),
        "3D" => Error::config(format!(
            "{message}; create the database or fix its name in EDGEMCP_DATABASE_URL"
        )),
        // Connection problems, resources, shutdown, serialization failures: try again.
        "08" | "53" | "57" | "40" | "58" => Error::storage(format!(
            "PostgreSQL could not run the statement now: {message}; try again"
        ))
        .set_temporary(),
        _ => Error::storage(format!("PostgreSQL failed: {message}{detail}")),
    }
}

/// The error for a server that cannot be reached.
pub(crate) fn unreachable_error(why: &str) -> Error {
    Error::storage(format!(
        "the PostgreSQL server cannot be reached ({why}); check that it is running and that \
         EDGEMCP_DATABASE_URL (or PGHOST / PGPORT) points at it"
    ))
    .set_temporary()
}
