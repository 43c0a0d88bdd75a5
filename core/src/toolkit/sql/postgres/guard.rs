//! The statement guards for PostgreSQL, decided on the tokens of [`super::lexer`].
//!
//! A read is one `SELECT`, `WITH … SELECT` or `VALUES` (optionally in parentheses and
//! with one trailing `;`); a write is one `INSERT`, `UPDATE`, `DELETE` or `MERGE`. Both:
//! - refuse keywords that change the schema, settings or transactions, run other
//!   statements (`DO`, `CALL`, `EXECUTE`, `COPY`, `EXPLAIN`), signal (`LISTEN`, `NOTIFY`)
//!   or lock (`LOCK`, `FOR UPDATE`, `FOR SHARE`, …), and `OPERATOR(…)`;
//! - call only the functions of the [`policy`](super::policy) allowlist: a word or quoted
//!   name followed by `(` is a call unless it is a keyword of the grammar (`IN (`, `AS (`),
//!   a type's modifier (`::numeric(10, 2)`, `AS varchar(20)`), an alias's column list
//!   (`AS g(n)`) or a `WITH` query's column list; a qualified call is allowed only in
//!   `pg_catalog`;
//! - never name the server's own schema or a relation the policy refuses;
//! - keep parentheses balanced, so the read can be wrapped in the server's own `LIMIT`.
//!
//! The engine is the second line: every read runs in a `READ ONLY` transaction with a
//! statement timeout, through the extended protocol (one statement per message).

use super::lexer::{tokenize, Kind, LexError, Token};
use super::policy::{is_allowed_function, is_refused_relation, INTERNAL_SCHEMA};
use std::fmt;

/// The longest statement the guard reads, in bytes.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024;

/// The deepest parentheses may nest.
pub const MAX_NESTING: usize = 64;

/// Keywords refused anywhere in a read.
const READ_FORBIDDEN: &[&str] = &[
    "insert",
    "update",
    "delete",
    "merge",
    "copy",
    "do",
    "call",
    "set",
    "reset",
    "show",
    "listen",
    "notify",
    "unlisten",
    "lock",
    "create",
    "drop",
    "alter",
    "truncate",
    "grant",
    "revoke",
    "comment",
    "security",
    "vacuum",
    "analyze",
    "analyse",
    "cluster",
    "reindex",
    "refresh",
    "discard",
    "prepare",
    "execute",
    "deallocate",
    "begin",
    "start",
    "commit",
    "rollback",
    "savepoint",
    "release",
    "abort",
    "checkpoint",
    "load",
    "import",
    "explain",
    "into",
    "operator",
    "nowait",
    "returning",
];

/// Keywords refused anywhere in a write: [`READ_FORBIDDEN`] without the ones a write is
/// made of.
const WRITE_ALLOWED_KEYWORDS: &[&str] = &[
    "insert",
    "update",
    "delete",
    "merge",
    "set",
    "into",
    "returning",
    "do",
];

/// Words after which `(` does not make a call.
const KEYWORDS_BEFORE_PARENTHESES: &[&str] = &[
    "all",
    "and",
    "any",
    "array",
    "as",
    "between",
    "by",
    "case",
    "cast",
    "cube",
    "distinct",
    "else",
    "escape",
    "except",
    "exists",
    "filter",
    "from",
    "group",
    "having",
    "ilike",
    "in",
    "intersect",
    "is",
    "join",
    "lateral",
    "like",
    "limit",
    "materialized",
    "not",
    "offset",
    "on",
    "or",
    "over",
    "overlaps",
    "rollup",
    "row",
    "rows",
    "select",
    "sets",
    "similar",
    "some",
    "then",
    "union",
    "using",
    "values",
    "when",
    "where",
    "window",
    "with",
    "varying",
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
    "conflict",
    "into",
];

/// What a read may start with.
const READ_STATEMENTS: &[&str] = &["select", "values", "with"];

/// What a write may start with (after an optional `WITH`).
const WRITE_STATEMENTS: &[&str] = &["insert", "update", "delete", "merge", "with"];

/// Why a statement was refused. The text is written for the model that sent it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing but whitespace and comments.
    Empty,
    /// More than one statement.
    MultipleStatements,
    /// A read that is not a `SELECT`, `WITH … SELECT` or `VALUES`.
    NotARead {
        /// The first word, or the first token.
        first: String,
    },
    /// A write that is not an `INSERT`, `UPDATE`, `DELETE` or `MERGE`.
    NotAWrite {
        /// The first word, or the first token.
        first: String,
    },
    /// A keyword the statement may not contain.
    Forbidden {
        /// The keyword, upper case.
        keyword: String,
    },
    /// A row-locking clause (`FOR UPDATE`, `FOR SHARE`, …).
    Locking,
    /// A call outside the allowlist, or a qualified call outside `pg_catalog`.
    ForbiddenFunction {
        /// The function's name, as written.
        name: String,
    },
    /// The server's own schema or a refused relation.
    ForbiddenRelation {
        /// The name.
        name: String,
    },
    /// Parentheses that do not balance, or nest deeper than [`MAX_NESTING`].
    Parentheses,
    /// Longer than [`MAX_STATEMENT_BYTES`].
    TooLong {
        /// Its length in bytes.
        bytes: usize,
    },
    /// Text the lexer could not read.
    Unreadable(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const READ: &str = "sql_query runs one read-only SELECT (or WITH … SELECT, or VALUES)";
        const WRITE: &str = "sql_execute runs one INSERT, UPDATE, DELETE or MERGE";
        match self {
            Self::Empty => write!(f, "the SQL is empty; send one statement"),
            Self::MultipleStatements => write!(
                f,
                "only one statement may run at a time; send each statement in its own call"
            ),
            Self::NotARead { first } => {
                write!(
                    f,
                    "{READ}, but this one starts with `{first}`; rewrite it as a SELECT"
                )
            }
            Self::NotAWrite { first } => write!(
                f,
                "{WRITE}, but this one starts with `{first}`; run SELECT queries with sql_query"
            ),
            Self::Forbidden { keyword } => write!(
                f,
                "`{keyword}` is not allowed here: {READ} and sql_execute one data change, \
                 never schema changes, settings, transactions, COPY, DO, CALL or EXPLAIN. If \
                 `{lower}` is a column or table name, write it in double quotes: \"{lower}\"",
                lower = keyword.to_ascii_lowercase()
            ),
            Self::Locking => write!(
                f,
                "row-locking clauses (FOR UPDATE, FOR SHARE, …) are not allowed: reads run \
                 in a read-only transaction; remove the clause"
            ),
            Self::ForbiddenFunction { name } => write!(
                f,
                "the function `{name}()` is not allowed: only PostgreSQL's built-in functions \
                 that compute (aggregates, window, text, math, date, JSON and array functions) \
                 may be called, never ones that write, sleep, lock, read settings or files, or \
                 run SQL; remove the call"
            ),
            Self::ForbiddenRelation { name } => write!(
                f,
                "`{name}` may not be read by queries; use sql_list_tables and \
                 sql_describe_table to see the schema"
            ),
            Self::Parentheses => write!(
                f,
                "the parentheses do not balance or nest more than {MAX_NESTING} deep"
            ),
            Self::TooLong { bytes } => write!(
                f,
                "the statement is {bytes} bytes long, more than {MAX_STATEMENT_BYTES}; pass \
                 long values as params"
            ),
            Self::Unreadable(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for Refusal {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// Accepts `sql` when it is one read-only statement the policy allows.
///
/// ```
/// use edgemcp::toolkit::sql_postgres::check_read_only;
///
/// assert!(check_read_only("SELECT name FROM customers WHERE id = $1").is_ok());
/// assert!(check_read_only("SELECT set_config('a', 'b', false)").is_err());
/// assert!(check_read_only("SELECT $$;$$; DROP TABLE customers").is_err());
/// ```
///
/// # Errors
/// A [`Refusal`] that says what is wrong.
pub fn check_read_only(sql: &str) -> Result<(), Refusal> {
    check(sql, Mode::Read)
}

/// Accepts `sql` when it is one data change (`INSERT`, `UPDATE`, `DELETE`, `MERGE`)
/// the policy allows.
///
/// # Errors
/// A [`Refusal`] that says what is wrong.
pub fn check_write(sql: &str) -> Result<(), Refusal> {
    check(sql, Mode::Write)
}

fn check(sql: &str, mode: Mode) -> Result<(), Refusal> {
    if sql.len() > MAX_STATEMENT_BYTES {
        return Err(Refusal::TooLong { bytes: sql.len() });
    }
    let tokens = tokenize(sql).map_err(|err| lex_refusal(sql, &err))?;
    let tokens: Vec<Token<'_>> = tokens.into_iter().filter(|t| !t.is_trivia()).collect();
    let tokens = match tokens.split_last() {
        Some((last, rest)) if last.is_punct(";") => rest,
        _ => &tokens[..],
    };
    if tokens.is_empty() {
        return Err(Refusal::Empty);
    }
    if tokens.iter().any(|t| t.is_punct(";")) {
        return Err(Refusal::MultipleStatements);
    }
    let first = tokens
        .iter()
        .find(|t| !t.is_punct("("))
        .ok_or(Refusal::Empty)?;
    let starts = |list: &[&str]| first.kind == Kind::Word && list.iter().any(|k| first.is_word(k));
    match mode {
        Mode::Read if !starts(READ_STATEMENTS) => {
            return Err(Refusal::NotARead {
                first: first.text.to_ascii_uppercase(),
            })
        }
        Mode::Write
            if !starts(WRITE_STATEMENTS) || tokens.first().is_some_and(|t| t.is_punct("(")) =>
        {
            return Err(Refusal::NotAWrite {
                first: first.text.to_ascii_uppercase(),
            })
        }
        _ => {}
    }
    if mode == Mode::Write
        && first.is_word("with")
        && !tokens
            .iter()
            .any(|t| WRITE_STATEMENTS[..4].iter().any(|k| t.is_word(k)))
    {
        return Err(Refusal::NotAWrite {
            first: "WITH".to_owned(),
        });
    }
    let matching = matching_parentheses(tokens)?;
    for (i, token) in tokens.iter().enumerate() {
        if token.kind == Kind::Word {
            let lower = token.text.to_ascii_lowercase();
            let forbidden = READ_FORBIDDEN.contains(&lower.as_str())
                && !(mode == Mode::Write && WRITE_ALLOWED_KEYWORDS.contains(&lower.as_str()));
            if forbidden {
                return Err(Refusal::Forbidden {
                    keyword: lower.to_ascii_uppercase(),
                });
            }
            if lower == "for"
                && tokens.get(i + 1).is_some_and(|next| {
                    ["update", "share", "no", "key"]
                        .iter()
                        .any(|k| next.is_word(k))
                })
            {
                return Err(Refusal::Locking);
            }
        }
        let Some(name) = token.name() else { continue };
        let qualifies = tokens.get(i + 1).is_some_and(|t| t.is_punct("."));
        if (qualifies && name == INTERNAL_SCHEMA) || is_refused_relation(&name) {
            return Err(Refusal::ForbiddenRelation { name });
        }
        if tokens.get(i + 1).is_some_and(|t| t.is_punct("(")) && is_call(tokens, &matching, i) {
            let qualifier = i
                .checked_sub(2)
                .filter(|_| tokens.get(i - 1).is_some_and(|t| t.is_punct(".")));
            let in_catalog = match qualifier {
                None => true,
                Some(q) => tokens.get(q).and_then(Token::name).as_deref() == Some("pg_catalog"),
            };
            if !in_catalog || !is_allowed_function(&name) {
                return Err(Refusal::ForbiddenFunction {
                    name: token.text.to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// For each `(`, the index of its `)`; refuses unbalanced or too deep parentheses.
fn matching_parentheses(tokens: &[Token<'_>]) -> Result<Vec<Option<usize>>, Refusal> {
    let mut matching = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_punct("(") {
            open.push(i);
            if open.len() > MAX_NESTING {
                return Err(Refusal::Parentheses);
            }
        } else if token.is_punct(")") {
            let start = open.pop().ok_or(Refusal::Parentheses)?;
            matching[start] = Some(i);
        }
    }
    if open.is_empty() {
        Ok(matching)
    } else {
        Err(Refusal::Parentheses)
    }
}

/// Whether the name at `i`, followed by `(`, is a function call.
fn is_call(tokens: &[Token<'_>], matching: &[Option<usize>], i: usize) -> bool {
    let Some(token) = tokens.get(i) else {
        return false;
    };
    if token.kind == Kind::Word && KEYWORDS_BEFORE_PARENTHESES.iter().any(|k| token.is_word(k)) {
        return false;
    }
    let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
    // A type's modifiers (`::numeric(10, 2)`, `CAST(x AS varchar(20))`) or an alias's
    // column list (`AS g(n)`): PostgreSQL's grammar never reads these as calls.
    if previous.is_some_and(|p| p.is_punct("::") || p.is_word("as")) {
        return false;
    }
    // An `INSERT INTO t (a, b)` target's column list.
    if previous.is_some_and(|p| p.is_word("into")) {
        return false;
    }
    // A WITH query's column list: `WITH t(a, b) AS (…)`, `…), u(c) AS (…)`.
    let after = matching
        .get(i + 1)
        .copied()
        .flatten()
        .and_then(|close| tokens.get(close + 1));
    if after.is_some_and(|t| t.is_word("as"))
        && previous.is_some_and(|p| starts_with_query(tokens, matching, p, i))
    {
        return false;
    }
    true
}

/// Whether `previous` (the token before the name at `i`) begins a `WITH` query's name:
/// `WITH`, `RECURSIVE`, or a `,` right after a `)` that closes an earlier `WITH` query.
fn starts_with_query(
    tokens: &[Token<'_>],
    matching: &[Option<usize>],
    previous: &Token<'_>,
    i: usize,
) -> bool {
    if previous.is_word("with") || previous.is_word("recursive") {
        return true;
    }
    if !previous.is_punct(",") {
        return false;
    }
    let Some(close) = i.checked_sub(2) else {
        return false;
    };
    if !tokens.get(close).is_some_and(|t| t.is_punct(")")) {
        return false;
    }
    let Some(open) = matching.iter().position(|m| *m == Some(close)) else {
        return false;
    };
    open.checked_sub(1)
        .and_then(|b| tokens.get(b))
        .is_some_and(|before| before.is_word("as") || before.is_word("materialized"))
}

fn lex_refusal(sql: &str, err: &LexError) -> Refusal {
    match err {
        LexError::Unterminated { what } => Refusal::Unreadable(format!(
            "the SQL has an unterminated {what}; close it (write a quote inside a string as \
             two quotes, e.g. 'it''s')"
        )),
        LexError::Unexpected { offset } => {
            let near: String = sql.get(*offset..).unwrap_or("").chars().take(20).collect();
            Refusal::Unreadable(format!(
                "the SQL cannot be read near `{near}`: write PostgreSQL SQL, and put data in a \
                 string literal '…' or a parameter"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_ordinary_reads() {
        for sql in [
            "SELECT * FROM customers",
            "select name from customers where id = $1;",
            "(SELECT 1) UNION (SELECT 2)",
            "WITH t(n) AS (SELECT 1), u AS MATERIALIZED (SELECT 2) SELECT * FROM t, u",
            "SELECT CAST(price_cents AS numeric(10, 2)) / 100, x::varchar(3) FROM products, (VALUES ('a')) AS v(x)",
            "SELECT n FROM generate_series(1, 3) AS g(n)",
            "SELECT string_agg(name, ',') WITHIN GROUP (ORDER BY name) FROM customers",
            "SELECT count(*) FILTER (WHERE city = 'Oslo') OVER (PARTITION BY city) FROM customers",
            "SELECT pg_catalog.lower(name) FROM customers",
            "SELECT substring(name FROM 1 FOR 3), extract(year FROM now()) FROM customers",
            "SELECT 'delete', \"update\" FROM t",
            "VALUES (1), (2)",
        ] {
            assert_eq!(check_read_only(sql), Ok(()), "{sql}");
        }
    }

    #[test]
    fn refuses_what_a_read_may_not_do() {
        for (sql, expected) in [
            ("SELECT 1; SELECT 2", "one statement"),
            ("SELECT $$a$$; DROP TABLE x", "one statement"),
            (
                "SELECT x$$ FROM t; DROP TABLE t; SELECT 1 AS y$$",
                "one statement",
            ),
            ("SELECT E'\\\\'; DROP TABLE t", "one statement"),
            ("SELECT E'\\'; DROP TABLE t", "unterminated"),
            ("DELETE FROM t", "starts with `DELETE`"),
            (
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "`DELETE`",
            ),
            ("SELECT * INTO new_table FROM t", "`INTO`"),
            ("SELECT * FROM t FOR UPDATE", "row-locking"),
            ("SELECT * FROM t FOR NO KEY UPDATE", "row-locking"),
            ("SELECT * FROM t FOR SHARE", "row-locking"),
            ("SELECT set_config('a', 'b', false)", "set_config"),
            ("SELECT pg_sleep(10)", "pg_sleep"),
            ("SELECT \"pg_sleep\"(10)", "pg_sleep"),
            ("SELECT public.lower(name) FROM t", "lower"),
            (
                "SELECT query_to_xml('DELETE FROM t', true, true, '')",
                "query_to_xml",
            ),
            ("SELECT 1, set_config('a', 'b', false) AS x", "set_config"),
            ("SELECT (1), set_config('a', 'b', false) AS x", "set_config"),
            ("SELECT * FROM edgemcp.kv", "edgemcp"),
            ("SELECT * FROM \"edgemcp\" . kv", "edgemcp"),
            ("SELECT * FROM pg_catalog.pg_authid", "pg_authid"),
            ("SELECT 1 OPERATOR(public.+) 2", "OPERATOR"),
            ("EXPLAIN ANALYZE SELECT 1", "EXPLAIN"),
            ("SELECT (1", "parentheses"),
            ("", "empty"),
            ("SELECT \\", "cannot be read"),
        ] {
            let refusal = check_read_only(sql).err().map(|r| r.to_string());
            assert!(
                refusal.as_deref().is_some_and(|r| r.contains(expected)),
                "{sql}: {refusal:?}"
            );
        }
    }

    #[test]
    fn writes_are_one_data_change() {
        assert_eq!(
            check_write("INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO NOTHING"),
            Ok(())
        );
        assert_eq!(
            check_write("UPDATE t SET a = $1 WHERE b = $2 RETURNING a"),
            Ok(())
        );
        assert_eq!(check_write("WITH x AS (SELECT 1) DELETE FROM t"), Ok(()));
        for sql in [
            "SELECT 1",
            "WITH x AS (SELECT 1) SELECT 1",
            "DROP TABLE t",
            "INSERT INTO t VALUES (1); DROP TABLE t",
            "UPDATE t SET a = pg_sleep(1)",
            "COPY t FROM '/etc/passwd'",
        ] {
            assert!(check_write(sql).is_err(), "{sql}");
        }
    }

    #[test]
    fn decides_the_postgres_corpus() {
        let corpus: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../tests/corpus/postgres-statements.json"
        ))
        .unwrap();
        for refused in corpus["refused"].as_array().unwrap() {
            let sql = refused["sql"].as_str().unwrap();
            let reason = refused["reason"].as_str().unwrap();
            let refusal = check_read_only(sql).err().map(|r| r.to_string());
            assert!(
                refusal.as_deref().is_some_and(|r| r.contains(reason)),
                "{sql}: {refusal:?}"
            );
        }
        for accepted in corpus["accepted"].as_array().unwrap() {
            let sql = accepted["query"].as_str().unwrap();
            assert_eq!(check_read_only(sql), Ok(()), "{sql}");
        }
    }
}
