//! The SQL toolkit's policy enforced by SQLite itself, behind the statement guard.
//!
//! The guard in core reads statements as SQLite tokenizes them; this is the layer that
//! holds even if it misreads one. Each connection of [`SqliteSql`](super::SqliteSql) that
//! runs a caller's statement is hardened here:
//!
//! - an **authorizer** that SQLite consults for every action while it prepares the
//!   statement: reads, `SELECT`, recursive CTEs and the functions of
//!   [`sql_policy`](edgemcp::toolkit::sql_policy) are allowed (plus `INSERT`, `UPDATE` and
//!   `DELETE` on the write connection); everything else is denied: pragmas, `ATTACH`,
//!   schema changes, transactions, engine tables (`pragma_*`, `dbstat`, …), unknown
//!   functions and `load_extension`, `fts3_tokenizer`, `readfile` and their kind;
//! - `SQLITE_DBCONFIG_DEFENSIVE` (no writable schema, no raw page access) and an untrusted
//!   schema (`trusted_schema=OFF`), so functions inside views and triggers are held to the
//!   same rules;
//! - `SQLITE_LIMIT_LENGTH` at the result budget, so no statement can build a string, blob or
//!   row larger than a result may hold (a `zeroblob(1e9)` fails instead of allocating).
//!
//! Extension loading stays off (SQLite's default; this host never turns it on), and
//! `ATTACH` is limited to no databases at all.

use edgemcp::toolkit::sql_policy::{is_allowed_function, is_refused_table};
use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;

/// What statements on a connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementPolicy {
    /// `sql_query`: reads only.
    Read,
    /// `sql_execute`: reads, and inserts, updates and deletes of rows.
    Write,
}

/// Whether SQLite may carry out `context`'s action in a statement under `policy`.
///
/// ```
/// use edgemcp_native::storage::{authorize, StatementPolicy};
/// use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
///
/// let call = |name| AuthContext {
///     action: AuthAction::Function { function_name: name },
///     database_name: None,
///     accessor: None,
/// };
/// assert_eq!(authorize(StatementPolicy::Read, &call("count")), Authorization::Allow);
/// assert_eq!(authorize(StatementPolicy::Read, &call("load_extension")), Authorization::Deny);
/// ```
pub fn authorize(policy: StatementPolicy, context: &AuthContext<'_>) -> Authorization {
    let allowed = match context.action {
        AuthAction::Select | AuthAction::Recursive => true,
        AuthAction::Read { table_name, .. } => !is_refused_table(table_name),
        AuthAction::Function { function_name } => is_allowed_function(function_name),
        AuthAction::Insert { table_name }
        | AuthAction::Delete { table_name }
        | AuthAction::Update { table_name, .. } => {
            policy == StatementPolicy::Write && !is_refused_table(table_name)
        }
        _ => false,
    };
    if allowed {
        Authorization::Allow
    } else {
        Authorization::Deny
    }
}

/// Hardens `conn` for callers' statements under `policy`, with values, strings and rows
/// limited to `max_value_bytes`.
pub(super) fn harden(
    conn: &mut rusqlite::Connection,
    policy: StatementPolicy,
    max_value_bytes: usize,
) -> rusqlite::Result<()> {
    untrusted_schema(conn)?;
    conn.set_limit(
        Limit::SQLITE_LIMIT_LENGTH,
        i32::try_from(max_value_bytes).unwrap_or(i32::MAX),
    )?;
    conn.authorizer(Some(move |context: AuthContext<'_>| {
        authorize(policy, &context)
    }))
}

/// The settings every connection to the SQL toolkit's database gets: defensive mode and
/// an untrusted schema.
pub(super) fn untrusted_schema(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    Ok(())
}
