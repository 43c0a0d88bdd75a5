//! The SQL toolkit's dialect for PostgreSQL: a lexer that splits text where
//! PostgreSQL's scanner does, the guards built on it, the function policy, and the
//! statement forms the toolkit sends (`LIMIT` paging, `$N` parameters).
//!
//! The native host's PostgreSQL store uses these; the toolkit picks them when a database
//! reports [`SqlDialect::Postgres`](crate::storage::SqlDialect::Postgres).

mod guard;
mod lexer;
pub mod policy;

pub use guard::{check_read_only, check_write, Refusal, MAX_NESTING, MAX_STATEMENT_BYTES};

use lexer::{tokenize, Kind};

/// The statement `sql_query` runs for one page of `query` (which the read guard admitted).
/// PostgreSQL needs the subquery named.
///
/// ```
/// use edgemcp::toolkit::sql_postgres::paged_query;
///
/// assert_eq!(
///     paged_query("SELECT 1;", 10, 20),
///     "SELECT * FROM (\nSELECT 1\n) AS edgemcp_page LIMIT 10 OFFSET 20"
/// );
/// ```
pub fn paged_query(query: &str, limit: usize, offset: usize) -> String {
    format!(
        "SELECT * FROM (\n{}\n) AS edgemcp_page LIMIT {limit} OFFSET {offset}",
        without_trailing_semicolon(query)
    )
}

/// `sql` without its trailing `;` (and the whitespace and comments around it).
pub fn without_trailing_semicolon(sql: &str) -> &str {
    let Ok(tokens) = tokenize(sql) else {
        return sql;
    };
    let mut meaningful = tokens.iter().rev().filter(|t| !t.is_trivia());
    match meaningful.next() {
        Some(last) if last.is_punct(";") => sql.get(..last.offset).unwrap_or(sql),
        _ => sql,
    }
}

/// `sql` with its `?N` placeholders written as PostgreSQL's `$N`, so one statement form
/// works on every backend. A `?` inside a string, a name or a comment is left alone, and
/// so is a bare `?` (jsonb's key operator).
///
/// ```
/// use edgemcp::toolkit::sql_postgres::with_dollar_parameters;
///
/// assert_eq!(
///     with_dollar_parameters("SELECT '?1', data ? 'k' FROM t WHERE id = ?1"),
///     "SELECT '?1', data ? 'k' FROM t WHERE id = $1"
/// );
/// ```
pub fn with_dollar_parameters(sql: &str) -> String {
    let Ok(tokens) = tokenize(sql) else {
        return sql.to_owned();
    };
    let mut out = String::with_capacity(sql.len());
    let mut rest = tokens.iter().peekable();
    while let Some(token) = rest.next() {
        let numbered = rest.peek().is_some_and(|next| {
            next.kind == Kind::Number && next.text.bytes().all(|b| b.is_ascii_digit())
        });
        if token.kind == Kind::Operator && token.text == "?" && numbered {
            out.push('$');
        } else {
            out.push_str(token.text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_semicolons_and_placeholders() {
        assert_eq!(without_trailing_semicolon("SELECT 1 ; -- end"), "SELECT 1 ");
        assert_eq!(without_trailing_semicolon("SELECT ';'"), "SELECT ';'");
        assert_eq!(with_dollar_parameters("SELECT ?1 + ?2"), "SELECT $1 + $2");
        assert_eq!(with_dollar_parameters("SELECT ?1.5"), "SELECT ?1.5");
        assert_eq!(
            with_dollar_parameters("SELECT \"?1\" /* ?1 */"),
            "SELECT \"?1\" /* ?1 */"
        );
    }
}
