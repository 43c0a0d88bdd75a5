//! The statement guards of the SQL toolkit, decided on tokens.
//!
//! - [`check_read_only`] (for `sql_query`) lets through exactly one `SELECT`,
//!   `WITH … SELECT` or `VALUES` statement and refuses everything else.
//! - [`check_write`] (for the opt-in `sql_execute`) lets through exactly one `INSERT`,
//!   `UPDATE`, `DELETE` or `REPLACE` (optionally after a `WITH`), and refuses schema
//!   changes, transactions, settings and other databases.
//!
//! Every decision is made on the tokens of [`super::lexer`], which splits text exactly
//! where SQLite does, never on the raw text: a keyword inside a comment, a string literal
//! or a quoted identifier (`"delete"`, `[update]`) is not a keyword, and a column named
//! `created_at` is not `CREATE`. Beyond keywords, both guards:
//!
//! - call only the functions of the [`policy`](super::policy) allowlist: every word or
//!   quoted name followed by `(` is a call unless the grammar says otherwise (a keyword
//!   such as `IN (`, a common table expression's column list, a `CAST` type such as
//!   `VARCHAR(10)`, an `INSERT` target's column list), and `LIKE`, `GLOB`, `MATCH` and
//!   `REGEXP` count as calls of their functions;
//! - never name an engine table of the policy (`pragma_*`, `sqlite_dbpage`, `dbstat`, …);
//! - accept only plain parameters (`?`, `?NNN`, `:name`, `@name`, `$name`), not SQLite's
//!   TCL forms (`$a::b`, `:a(…)`) or `#name`;
//! - require balanced parentheses, so the checked text can be wrapped in a subquery
//!   (`SELECT * FROM (…) LIMIT n`) without escaping it.
//!
//! The guards are one layer of defence, not the only one: a host should also run reads
//! where the engine itself refuses what the policy forbids (natively, a read-only SQLite
//! connection with an authorizer built from the same policy).

use super::lexer::{tokenize, LexError, Token, TokenKind};
use super::policy::{is_allowed_function, is_refused_table};
use std::collections::HashSet;
use std::fmt;

/// Keywords refused anywhere in a read, at any depth: they write data, change the schema,
/// manage transactions, reach other databases or files, or change settings. `REPLACE`
/// directly followed by `(` is the scalar function `replace()` and is allowed.
const READ_FORBIDDEN: &[&str] = &[
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "UPSERT",
    "CREATE",
    "DROP",
    "ALTER",
    "ATTACH",
    "DETACH",
    "PRAGMA",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "TRANSACTION",
    "TRIGGER",
    "GRANT",
    "REVOKE",
    "TRUNCATE",
    "LOAD_EXTENSION",
    "INTO",
];

/// Keywords refused anywhere in a write: [`READ_FORBIDDEN`] without the data-changing
/// ones a write is made of.
const WRITE_FORBIDDEN: &[&str] = &[
    "CREATE",
    "DROP",
    "ALTER",
    "ATTACH",
    "DETACH",
    "PRAGMA",
    "VACUUM",
    "REINDEX",
    "ANALYZE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "TRANSACTION",
    "TRIGGER",
    "GRANT",
    "REVOKE",
    "TRUNCATE",
    "LOAD_EXTENSION",
];

/// The keywords a write statement may start with (after an optional `WITH`).
const WRITE_STATEMENTS: &[&str] = &["INSERT", "UPDATE", "DELETE", "REPLACE"];

/// The keywords a read statement may start with (after an optional `WITH`).
const READ_STATEMENTS: &[&str] = &["SELECT", "VALUES"];

/// Keywords that a `(` may follow without making a call: `IN (…)`, `EXISTS (…)`,
/// `AS (…)`, `OVER (…)`, `CAST (…)`, …. None of them names a function SQLite has.
const KEYWORDS_BEFORE_PARENTHESES: &[&str] = &[
    "ALL",
    "AND",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CONFLICT",
    "DISTINCT",
    "DO",
    "ELSE",
    "ESCAPE",
    "EXCEPT",
    "EXISTS",
    "FILTER",
    "FROM",
    "HAVING",
    "IN",
    "INTERSECT",
    "IS",
    "JOIN",
    "LIMIT",
    "MATERIALIZED",
    "NOT",
    "OFFSET",
    "ON",
    "OR",
    "OVER",
    "RETURNING",
    "SELECT",
    "SET",
    "THEN",
    "UNION",
    "USING",
    "VALUES",
    "WHEN",
    "WHERE",
];

/// Operator keywords that SQLite evaluates by calling the function of the same name.
const OPERATOR_FUNCTIONS: &[&str] = &["LIKE", "GLOB", "MATCH", "REGEXP"];

/// The longest statement a guard reads, in bytes: far beyond any query a person or a
/// model writes, well below what would make parsing it costly.
pub const MAX_STATEMENT_BYTES: usize = 64 * 1024;

/// The deepest parentheses may nest.
pub const MAX_NESTING: usize = 64;

/// The longest piece of the query an error message quotes, in characters.
const QUOTE_LIMIT: usize = 40;

/// What `sql_query` admits, as error messages say it.
const READ_ALLOWED: &str =
    "sql_query runs a single read-only SELECT statement (or WITH … SELECT, or VALUES)";

/// What `sql_execute` admits, as error messages say it.
const WRITE_ALLOWED: &str = "sql_execute runs a single INSERT, UPDATE, DELETE or REPLACE \
                             statement (optionally after WITH …)";

/// Where error messages send a model that wants to see the schema.
const SCHEMA_TOOLS: &str = "use sql_list_tables and sql_describe_table to inspect the schema";

/// Why [`check_read_only`] or [`check_write`] refused a statement. The
/// [`Display`](fmt::Display) text is written for the model that sent it: it says what is
/// allowed and what to do instead.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardError {
    /// Nothing but whitespace, comments and semicolons.
    Empty,
    /// More than one statement: a `;` with more than whitespace and comments after it.
    MultipleStatements,
    /// A read that does not start with `SELECT`, `WITH` or `VALUES`.
    NotASelect {
        /// The first token, upper-cased when it is a bare word (`EXPLAIN`, `SHOW`).
        first_keyword: String,
    },
    /// A read whose `WITH` clause is not followed by a `SELECT` or `VALUES`.
    WithoutSelect {
        /// What comes where the `SELECT` should be, quoted in backticks, or
        /// `"the end of the query"`.
        found: String,
    },
    /// A keyword a read may not contain: it writes, changes the schema or settings, or
    /// manages transactions.
    Forbidden {
        /// The keyword, upper-cased.
        keyword: String,
    },
    /// A write that is not an `INSERT`, `UPDATE`, `DELETE` or `REPLACE` (after an optional
    /// `WITH`).
    NotAWrite {
        /// Where the statement should start, upper-cased when it is a bare word.
        first_keyword: String,
    },
    /// A keyword a write may not contain: it changes the schema or settings, manages
    /// transactions or reaches another database.
    ForbiddenInWrite {
        /// The keyword, upper-cased.
        keyword: String,
    },
    /// A call to a function outside the policy's allowlist (`load_extension`,
    /// `readfile`, an unknown function, …).
    ForbiddenFunction {
        /// The function's name, lower-cased.
        name: String,
    },
    /// A name of an engine table the policy refuses (`pragma_*`, `sqlite_dbpage`, …).
    ForbiddenTable {
        /// The name as written, without quotes.
        name: String,
    },
    /// A parameter in one of SQLite's TCL forms (`$a::b`, `:a(…)`) or `#name`.
    UnsupportedParameter {
        /// The parameter as written, cut for quoting.
        parameter: String,
    },
    /// A `(` without its `)` or a `)` without its `(`.
    UnbalancedParentheses,
    /// Longer than [`MAX_STATEMENT_BYTES`].
    TooLong {
        /// The statement's length in bytes.
        bytes: usize,
    },
    /// Parentheses nested deeper than [`MAX_NESTING`].
    TooDeep,
    /// A string literal, quoted identifier, blob literal or block comment that is never
    /// closed.
    Unterminated {
        /// What is left open, e.g. `"string literal"`.
        what: &'static str,
    },
    /// A blob literal `X'…'` that is not an even number of hex digits.
    InvalidBlob {
        /// 1-based character position of the literal.
        position: usize,
    },
    /// A character that is no part of SQLite's SQL here.
    Unrecognized {
        /// The character.
        character: char,
        /// Its 1-based character position.
        position: usize,
    },
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(
                f,
                "the SQL is empty (only whitespace or comments); send one statement, \
                 e.g. `SELECT * FROM my_table LIMIT 10`"
            ),
            Self::MultipleStatements => write!(
                f,
                "only one statement may be run at a time; remove the text after the first `;` \
                 and send each statement in its own call"
            ),
            Self::NotASelect { first_keyword } => write!(
                f,
                "{READ_ALLOWED}, but this one starts with `{first_keyword}`; rewrite it as a \
                 SELECT, and {SCHEMA_TOOLS}"
            ),
            Self::WithoutSelect { found } => write!(
                f,
                "a WITH clause must be followed by a SELECT, as in \
                 `WITH recent AS (SELECT * FROM t WHERE …) SELECT * FROM recent`, \
                 but found {found}; {READ_ALLOWED}"
            ),
            Self::Forbidden { keyword } => {
                let reason = match keyword.as_str() {
                    "PRAGMA" | "ANALYZE" | "VACUUM" | "REINDEX" | "ATTACH" | "DETACH" => {
                        SCHEMA_TOOLS
                    }
                    "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "TRANSACTION" => {
                        "each query runs on its own, so leave out transaction statements"
                    }
                    "INTO" => "SELECT … INTO is not supported; select the rows instead",
                    "LOAD_EXTENSION" => "extensions cannot be loaded",
                    _ => {
                        "it cannot change data or the schema; to change data, use the \
                         sql_execute tool if this server offers it"
                    }
                };
                write!(f, "`{keyword}` is not allowed: {READ_ALLOWED}; {reason}. ")?;
                quote_hint(f, keyword)
            }
            Self::NotAWrite { first_keyword } => write!(
                f,
                "{WRITE_ALLOWED}, but this one is `{first_keyword}`; run SELECT queries \
                 with sql_query"
            ),
            Self::ForbiddenInWrite { keyword } => {
                write!(
                    f,
                    "`{keyword}` is not allowed: {WRITE_ALLOWED}; it cannot change the schema \
                     or settings, manage transactions or reach other databases. "
                )?;
                quote_hint(f, keyword)
            }
            Self::ForbiddenFunction { name } => write!(
                f,
                "the function `{name}()` is not allowed: only SQLite's built-in scalar, \
                 aggregate, window, date, math and JSON functions may be called, never ones \
                 that reach files, load extensions or expose the engine; remove the call"
            ),
            Self::ForbiddenTable { name } => write!(
                f,
                "`{name}` is an engine table that queries may not read; {SCHEMA_TOOLS}"
            ),
            Self::UnsupportedParameter { parameter } => write!(
                f,
                "the parameter `{parameter}` is not supported: write ?1, ?2, … (or :name, \
                 @name, $name) and pass the values in params"
            ),
            Self::TooLong { bytes } => write!(
                f,
                "the statement is {bytes} bytes long, more than the {MAX_STATEMENT_BYTES} a \
                 query may have; pass long values as params instead of writing them out"
            ),
            Self::TooDeep => write!(
                f,
                "the parentheses nest more than {MAX_NESTING} deep; write the query with \
                 fewer nested subqueries or expressions (a WITH clause helps)"
            ),
            Self::UnbalancedParentheses => write!(
                f,
                "the parentheses do not balance: every `(` needs a matching `)` after it"
            ),
            Self::Unterminated { what } => {
                let fix = match *what {
                    "string literal" => {
                        "close it with `'` (write a quote inside a string as two quotes, \
                         e.g. 'it''s')"
                    }
                    "block comment" => "close it with `*/`",
                    "blob literal" => "close it with `'`, e.g. X'0A1B'",
                    _ => {
                        "close it with the matching `\"`, `]` or `` ` `` (write a `\"` inside \
                         a \"…\" name as `\"\"`)"
                    }
                };
                write!(f, "the SQL has an unterminated {what}; {fix}")
            }
            Self::InvalidBlob { position } => write!(
                f,
                "the blob literal at character {position} must hold an even number of hex \
                 digits, e.g. X'0A1B'"
            ),
            Self::Unrecognized {
                character,
                position,
            } => write!(
                f,
                "unexpected character {character:?} (U+{code:04X}) at character {position}; \
                 the SQL must be SQLite SQL: remove the character, or put it inside a string \
                 literal '…' if it is data",
                code = u32::from(*character)
            ),
        }
    }
}

impl std::error::Error for GuardError {}

/// Tells the model how to use `keyword` as a name instead.
fn quote_hint(f: &mut fmt::Formatter<'_>, keyword: &str) -> fmt::Result {
    let lower = keyword.to_ascii_lowercase();
    write!(
        f,
        "If `{lower}` is the name of a table or column here, write it in double quotes: \
         \"{lower}\""
    )
}

/// Which statements a guard admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

/// Accepts `sql` when it is exactly one read-only statement: a `SELECT`, a `WITH` whose
/// main statement is a `SELECT`, or a `VALUES`, optionally followed by one `;`, that calls
/// only allowed functions and names no engine table.
///
/// ```
/// use edgemcp::toolkit::sql_policy::check_read_only;
///
/// assert!(check_read_only("SELECT name FROM customers WHERE city = ?1").is_ok());
/// assert!(check_read_only("SELECT 1; DROP TABLE customers").is_err());
/// assert!(check_read_only("SELECT load_extension('x')").is_err());
/// ```
///
/// # Errors
/// A [`GuardError`] saying what is wrong; its text is meant for the model that wrote the
/// query.
pub fn check_read_only(sql: &str) -> Result<(), GuardError> {
    check_length(sql)?;
    let tokens = tokenize(sql).map_err(|err| from_lex_error(sql, err))?;
    let tokens = one_statement(&tokens)?;
    check_tokens(&tokens, Mode::Read)?;
    let first = tokens.first().ok_or(GuardError::Empty)?;
    if READ_STATEMENTS.iter().any(|k| first.is_keyword(k)) {
        Ok(())
    } else if first.is_keyword("WITH") {
        check_with(&tokens, READ_STATEMENTS).map_err(|found| GuardError::WithoutSelect {
            found: found.map_or_else(
                || "the end of the query".to_owned(),
                |t| format!("`{}`", describe(t)),
            ),
        })
    } else {
        Err(GuardError::NotASelect {
            first_keyword: describe(first),
        })
    }
}

/// Accepts `sql` when it is exactly one `INSERT`, `UPDATE`, `DELETE` or `REPLACE`
/// (optionally after a `WITH`), optionally followed by one `;`, that changes no schema,
/// settings or transaction state, calls only allowed functions and names no engine table.
///
/// # Errors
/// A [`GuardError`] saying what is wrong; its text is meant for the model that wrote the
/// statement.
pub fn check_write(sql: &str) -> Result<(), GuardError> {
    check_length(sql)?;
    let tokens = tokenize(sql).map_err(|err| from_lex_error(sql, err))?;
    let tokens = one_statement(&tokens)?;
    check_tokens(&tokens, Mode::Write)?;
    let first = tokens.first().ok_or(GuardError::Empty)?;
    if WRITE_STATEMENTS.iter().any(|k| first.is_keyword(k)) {
        Ok(())
    } else if first.is_keyword("WITH") {
        check_with(&tokens, WRITE_STATEMENTS).map_err(|found| GuardError::NotAWrite {
            first_keyword: found.map_or_else(|| "WITH".to_owned(), describe),
        })
    } else {
        Err(GuardError::NotAWrite {
            first_keyword: describe(first),
        })
    }
}

/// Refuses statements longer than [`MAX_STATEMENT_BYTES`].
fn check_length(sql: &str) -> Result<(), GuardError> {
    if sql.len() > MAX_STATEMENT_BYTES {
        Err(GuardError::TooLong { bytes: sql.len() })
    } else {
        Ok(())
    }
}

/// The tokens of the one statement in `tokens`, without whitespace, comments or the
/// trailing `;`.
fn one_statement<'a, 't>(tokens: &'t [Token<'a>]) -> Result<Vec<&'t Token<'a>>, GuardError> {
    let mut tokens: Vec<&Token> = tokens.iter().filter(|t| !t.is_trivia()).collect();
    if tokens.iter().all(|t| t.kind == TokenKind::Semicolon) {
        return Err(GuardError::Empty);
    }
    if tokens
        .last()
        .is_some_and(|t| t.kind == TokenKind::Semicolon)
    {
        tokens.pop();
    }
    if tokens.iter().any(|t| t.kind == TokenKind::Semicolon) {
        return Err(GuardError::MultipleStatements);
    }
    Ok(tokens)
}

/// The checks both guards make on every token: keywords, calls, engine tables,
/// parameters, parentheses.
fn check_tokens(tokens: &[&Token], mode: Mode) -> Result<(), GuardError> {
    let forbidden = match mode {
        Mode::Read => READ_FORBIDDEN,
        Mode::Write => WRITE_FORBIDDEN,
    };
    let not_calls = names_before_parentheses(tokens, mode);
    for (i, token) in tokens.iter().enumerate() {
        let called = tokens.get(i + 1).is_some_and(|next| next.is_punct("("));
        if called && !not_calls.contains(&i) {
            check_call(token)?;
        }
        if let Some(operator) = OPERATOR_FUNCTIONS.iter().find(|k| token.is_keyword(k)) {
            check_function(operator)?;
        }
        if let Some(name) = token.name().filter(|name| is_refused_table(name)) {
            return Err(GuardError::ForbiddenTable { name });
        }
        if token.kind == TokenKind::Parameter && !is_plain_parameter(token.text) {
            return Err(GuardError::UnsupportedParameter {
                parameter: describe(token),
            });
        }
        if called && token.is_keyword("REPLACE") {
            continue;
        }
        if let Some(keyword) = forbidden.iter().find(|k| token.is_keyword(k)) {
            let keyword = (*keyword).to_owned();
            return Err(match mode {
                Mode::Read => GuardError::Forbidden { keyword },
                Mode::Write => GuardError::ForbiddenInWrite { keyword },
            });
        }
    }
    balanced(tokens)
}

/// Refuses `token`, which a `(` follows, when it calls a function outside the allowlist;
/// the name may be bare or quoted (SQLite accepts `"load_extension"(…)`). Grammar keywords
/// that take parentheses are no calls.
fn check_call(token: &Token) -> Result<(), GuardError> {
    match token.kind {
        TokenKind::Word
            if KEYWORDS_BEFORE_PARENTHESES
                .iter()
                .any(|k| token.is_keyword(k)) =>
        {
            Ok(())
        }
        TokenKind::Word | TokenKind::QuotedIdentifier => match token.name() {
            Some(name) => check_function(&name),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Refuses a call of `name` unless the policy allows it.
fn check_function(name: &str) -> Result<(), GuardError> {
    if is_allowed_function(name) {
        Ok(())
    } else {
        Err(GuardError::ForbiddenFunction {
            name: name.to_ascii_lowercase(),
        })
    }
}

/// `?`, `?NNN`, or `:`, `@` or `$` followed by a plain name.
fn is_plain_parameter(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some('?') => chars.all(|c| c.is_ascii_digit()),
        Some(':' | '@' | '$') => {
            let name = chars.as_str();
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii())
        }
        _ => false,
    }
}

/// The indices of the names a `(` follows that the grammar does not call: a common table
/// expression's column list (`WITH t(a, b) AS …`), an `INSERT` target's column list
/// (`INSERT INTO t(a, b) …`), and the type of a `CAST` (`CAST(x AS DECIMAL(10, 2))`).
///
/// Only exact shapes count; anything else is checked as a call, which errs on refusing.
fn names_before_parentheses(tokens: &[&Token], mode: Mode) -> HashSet<usize> {
    let mut names = HashSet::new();
    for (i, token) in tokens.iter().enumerate() {
        // `WITH` is a keyword at the start of a statement or a subquery; elsewhere SQLite
        // may read it as a name.
        let starts_statement = i == 0 || tokens[i - 1].is_punct("(");
        if token.is_keyword("WITH") && starts_statement {
            names.extend(cte_column_lists(tokens, i));
        }
        if token.is_keyword("CAST") && tokens.get(i + 1).is_some_and(|t| t.is_punct("(")) {
            names.extend(cast_type(tokens, i + 1));
        }
        if mode == Mode::Write && token.is_keyword("INTO") {
            names.extend(insert_target(tokens, i + 1));
        }
    }
    names
}

/// The CTE names of the `WITH` at `with` that carry a column list of plain names.
fn cte_column_lists(tokens: &[&Token], with: usize) -> Vec<usize> {
    let at = |i: usize| tokens.get(i).copied();
    let mut names = Vec::new();
    let mut i = with + 1;
    if at(i).is_some_and(|t| t.is_keyword("RECURSIVE")) {
        i += 1;
    }
    loop {
        if !at(i).is_some_and(is_name) {
            return names;
        }
        if at(i + 1).is_some_and(|t| t.is_punct("(")) {
            let Some(end) = name_list(tokens, i + 1) else {
                return names;
            };
            names.push(i);
            i = end;
        } else {
            i += 1;
        }
        if !at(i).is_some_and(|t| t.is_keyword("AS")) {
            return names;
        }
        i += 1;
        if at(i).is_some_and(|t| t.is_keyword("NOT")) {
            i += 1;
        }
        if at(i).is_some_and(|t| t.is_keyword("MATERIALIZED")) {
            i += 1;
        }
        let Some(end) = at(i)
            .filter(|t| t.is_punct("("))
            .and_then(|_| skip_parentheses(tokens, i))
        else {
            return names;
        };
        i = end;
        if !at(i).is_some_and(|t| t.is_punct(",")) {
            return names;
        }
        i += 1;
    }
}

/// The type names of the `CAST(… AS type)` whose `(` is at `open`, when the type is plain
/// words with an optional `(n)` or `(n, m)` of numbers.
fn cast_type(tokens: &[&Token], open: usize) -> Vec<usize> {
    let Some(close) = skip_parentheses(tokens, open).map(|end| end - 1) else {
        return Vec::new();
    };
    // The type follows the last `AS` at the cast's own depth.
    let mut depth = 0usize;
    let mut as_at = None;
    for (i, token) in tokens.iter().enumerate().take(close).skip(open + 1) {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && token.is_keyword("AS") {
            as_at = Some(i);
        }
    }
    let Some(as_at) = as_at else {
        return Vec::new();
    };
    let mut words = Vec::new();
    let mut i = as_at + 1;
    while i < close && tokens[i].kind == TokenKind::Word {
        words.push(i);
        i += 1;
    }
    let size_only = tokens[i..close].iter().enumerate().all(|(j, t)| match j {
        0 => t.is_punct("("),
        _ if i + j + 1 == close => t.is_punct(")"),
        _ => t.kind == TokenKind::Number || t.is_punct(",") || t.is_punct("+") || t.is_punct("-"),
    });
    if words.is_empty() || !size_only {
        return Vec::new();
    }
    words
}

/// The target of `INTO` at `start` — `name`, `schema.name`, optionally `AS alias` — when a
/// column list of plain names follows it: the index of the name before the `(`.
fn insert_target(tokens: &[&Token], start: usize) -> Option<usize> {
    let at = |i: usize| tokens.get(i).copied();
    let mut i = start;
    if !at(i).is_some_and(is_name) {
        return None;
    }
    if at(i + 1).is_some_and(|t| t.is_punct(".")) && at(i + 2).is_some_and(is_name) {
        i += 2;
    }
    if at(i + 1).is_some_and(|t| t.is_keyword("AS")) && at(i + 2).is_some_and(is_name) {
        i += 2;
    }
    at(i + 1).filter(|t| t.is_punct("("))?;
    name_list(tokens, i + 1).map(|_| i)
}

/// A bare word or a quoted identifier.
fn is_name(token: &Token) -> bool {
    matches!(token.kind, TokenKind::Word | TokenKind::QuotedIdentifier)
}

/// The index past `( name, name, … )` starting at `open`; `None` unless the list holds
/// only names and commas.
fn name_list(tokens: &[&Token], open: usize) -> Option<usize> {
    let mut i = open + 1;
    loop {
        if !tokens.get(i).is_some_and(|t| is_name(t)) {
            return None;
        }
        i += 1;
        match tokens.get(i) {
            Some(t) if t.is_punct(",") => i += 1,
            Some(t) if t.is_punct(")") => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Refuses unbalanced parentheses, which would let a statement close the subquery the
/// server wraps it in, and nesting deeper than [`MAX_NESTING`].
fn balanced(tokens: &[&Token]) -> Result<(), GuardError> {
    let mut depth = 0usize;
    for token in tokens {
        if token.is_punct("(") {
            depth += 1;
            if depth > MAX_NESTING {
                return Err(GuardError::TooDeep);
            }
        } else if token.is_punct(")") {
            depth = depth
                .checked_sub(1)
                .ok_or(GuardError::UnbalancedParentheses)?;
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(GuardError::UnbalancedParentheses)
    }
}

/// Checks that the common table expressions of `tokens` (which start with `WITH`, hold no
/// trivia and have balanced parentheses) are followed by a statement starting with one of
/// `main`:
/// `WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (…) [, …] main …`.
///
/// # Errors
/// The token found where the grammar wanted something else, `None` at the end.
fn check_with<'t>(tokens: &[&'t Token<'_>], main: &[&str]) -> Result<(), Option<&'t Token<'t>>> {
    let at = |i: usize| tokens.get(i).copied();
    let mut i = 1;
    if at(i).is_some_and(|t| t.is_keyword("RECURSIVE")) {
        i += 1;
    }
    loop {
        // The table's name.
        match at(i) {
            Some(t) if t.name().is_some() => i += 1,
            other => return Err(other),
        }
        // Its optional column list.
        if at(i).is_some_and(|t| t.is_punct("(")) {
            i = skip_parentheses(tokens, i).ok_or(None)?;
        }
        match at(i) {
            Some(t) if t.is_keyword("AS") => i += 1,
            other => return Err(other),
        }
        if at(i).is_some_and(|t| t.is_keyword("NOT")) {
            i += 1;
        }
        if at(i).is_some_and(|t| t.is_keyword("MATERIALIZED")) {
            i += 1;
        }
        // The body.
        match at(i) {
            Some(t) if t.is_punct("(") => i = skip_parentheses(tokens, i).ok_or(None)?,
            other => return Err(other),
        }
        if at(i).is_some_and(|t| t.is_punct(",")) {
            i += 1;
        } else {
            break;
        }
    }
    match at(i) {
        Some(t) if main.iter().any(|k| t.is_keyword(k)) => Ok(()),
        other => Err(other),
    }
}

/// The index just past the `)` matching the `(` at `open`; `None` when it is never closed.
fn skip_parentheses(tokens: &[&Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.is_punct("(") {
            depth += 1;
        } else if token.is_punct(")") {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

/// A token as an error message quotes it: a bare word upper-cased, anything else as
/// written, cut to [`QUOTE_LIMIT`] characters.
fn describe(token: &Token) -> String {
    let text = if token.kind == TokenKind::Word {
        token.text.to_ascii_uppercase()
    } else {
        token.text.to_owned()
    };
    if text.chars().count() > QUOTE_LIMIT {
        let mut cut: String = text.chars().take(QUOTE_LIMIT).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The 1-based character position of byte `offset` in `sql`.
fn position(sql: &str, offset: usize) -> usize {
    sql.char_indices().take_while(|&(i, _)| i < offset).count() + 1
}

/// The guard's view of a tokenizer error.
fn from_lex_error(sql: &str, err: LexError) -> GuardError {
    match err {
        LexError::Unterminated { what, .. } => GuardError::Unterminated { what },
        LexError::InvalidBlob { offset } => GuardError::InvalidBlob {
            position: position(sql, offset),
        },
        LexError::Unrecognized { character, offset } => GuardError::Unrecognized {
            character,
            position: position(sql, offset),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A [`GuardError::Forbidden`] for `keyword`.
    fn forbidden(keyword: &str) -> GuardError {
        GuardError::Forbidden {
            keyword: keyword.to_owned(),
        }
    }

    /// A [`GuardError::ForbiddenFunction`] for `name`.
    fn function(name: &str) -> GuardError {
        GuardError::ForbiddenFunction {
            name: name.to_owned(),
        }
    }

    /// A [`GuardError::NotASelect`] for `first_keyword`.
    fn not_a_select(first_keyword: &str) -> GuardError {
        GuardError::NotASelect {
            first_keyword: first_keyword.to_owned(),
        }
    }

    /// A [`GuardError::WithoutSelect`] for `found`.
    fn without_select(found: &str) -> GuardError {
        GuardError::WithoutSelect {
            found: found.to_owned(),
        }
    }

    #[test]
    fn accepts_read_only_statements() {
        let accepted = [
            "SELECT 1",
            "select 1",
            "SeLeCt 1",
            "SELECT * FROM users",
            "SELECT id, name FROM users WHERE id = ? LIMIT 10",
            "SELECT * FROM t WHERE a = :a AND b = @b AND c = $c AND d = ?2",
            "SELECT 1;",
            "SELECT 1 ;",
            "SELECT 1;   \n\t",
            "SELECT 1; -- done",
            "SELECT 1; /* done */",
            "SELECT 1; -- DROP TABLE x",
            "SELECT 1; /* DELETE FROM x; */ -- ;",
            "-- leading comment\nSELECT 1",
            "/* leading */ SELECT 1",
            "/* DELETE FROM t; */ SELECT 1",
            "SELECT 1 -- trailing",
            "SELECT 1 /* trailing */",
            "SELECT 1 -- ; DROP TABLE x",
            "SELECT /* DELETE */ 1",
            "SELECT ';' AS semi",
            "SELECT 'a;b' FROM t",
            "SELECT 'DROP TABLE x' AS s",
            "SELECT 'DELETE FROM t; --' FROM t",
            "SELECT '--' AS dashes",
            "SELECT '/*' AS open",
            "SELECT 'it''s; DELETE' AS s",
            "SELECT \"delete\" FROM t",
            "SELECT [update] FROM t",
            "SELECT `drop` FROM t",
            "SELECT \"insert\", [create], `pragma` FROM \"update\"",
            "SELECT t.\"into\" FROM t",
            "SELECT created_at, updated_at, deleted, deleted_at, inserted, dropped, altered FROM t",
            "SELECT replaced, creator, droplet, updater, pragmatic, intouch, begins, commits FROM t",
            "SELECT * FROM transactions WHERE committed = 1 AND released = 0",
            "SELECT * FROM t WHERE \"release\" = 1",
            "SELECT * FROM (SELECT * FROM (SELECT 1 AS a) WHERE a > 0)",
            "SELECT (SELECT max(id) FROM t2) AS m FROM t1",
            "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE EXISTS (SELECT 1 FROM v))",
            "SELECT 1 UNION SELECT 2",
            "SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1",
            "SELECT a FROM t INTERSECT SELECT a FROM u EXCEPT SELECT a FROM v",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "with x as (select 1) select * from x;",
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 10) SELECT n FROM c",
            "WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b",
            "WITH a AS MATERIALIZED (SELECT 1) SELECT * FROM a",
            "WITH a AS NOT MATERIALIZED (SELECT 1) SELECT * FROM a",
            "WITH \"delete\" AS (SELECT 1) SELECT * FROM \"delete\"",
            "WITH x AS (SELECT 1) VALUES (1)",
            "WITH x AS (SELECT (1)) SELECT * FROM x",
            "VALUES (1, 'a'), (2, 'b')",
            "values (1);",
            "SELECT replace(name, 'a', 'b') FROM t",
            "SELECT REPLACE (name, 'a', 'b') FROM t",
            "SELECT count(*), sum(x), group_concat(y, ';') FROM t GROUP BY z HAVING count(*) > 1",
            "SELECT CASE WHEN a THEN 'x' ELSE 'y' END FROM t",
            "SELECT json_extract(doc, '$.a'), doc ->> '$.b', doc -> 'c' FROM t",
            "SELECT X'00FF', 1.5e3, 0x1F, .5, 1_000 FROM t",
            "SELECT * FROM t WHERE name LIKE '%;%' ESCAPE '\\'",
            "SELECT * FROM sqlite_master WHERE type = 'table'",
            "SELECT CAST(price AS DECIMAL(10, 2)), CAST(x AS VARCHAR (5)) FROM t",
            "WITH t(a, b) AS (SELECT 1, 2), u([c]) AS (SELECT 3) SELECT a FROM t, u",
            "SELECT * FROM (WITH t(a) AS (SELECT 1) SELECT a FROM t)",
            "SELECT value FROM json_each('[1, 2]')",
            "SELECT x FROM t WHERE name LIKE ('%a') OR name NOT GLOB 'b*'",
            "SELECT sum(x) OVER (PARTITION BY y ORDER BY z), rank() OVER w FROM t WINDOW w AS (ORDER BY z)",
            "SELECT count(*) FILTER (WHERE x > 1) FROM t",
            "SELECT coalesce(a, b), iif(a, 1, 2), strftime('%Y', d), abs(-1) FROM t",
            "SELECT * FROM t WHERE id IN (1, 2) AND NOT (a = 1) AND EXISTS (SELECT 1)",
            "SELECT * FROM docs WHERE docs MATCH 'rust'",
            "SELECT * FROM t WHERE a = :a_1 AND b = $b$ AND c = @é",
            "SELECT 'load_extension(1)', \"readfile\" FROM t",
            "SELECT edit_count, readfile_path FROM t",
            "SELECT é, 日本 FROM données",
            "SELECT a FROM t1 JOIN t2 ON t1.id = t2.id LEFT JOIN t3 USING (id)",
            "SELECT * FROM t WINDOW w AS (PARTITION BY a ORDER BY b)",
            "SELECT * FROM t WHERE a IS NOT NULL AND b BETWEEN 1 AND 2 AND c GLOB 'x*'",
            "SELECT CAST(x AS INTEGER) FROM t",
            "\n\n  SELECT 1  \n\n",
            "SELECT 1 --",
            "SELECT '(', \"(\", [(], `)` /* ( */ -- (",
        ];
        for sql in accepted {
            assert_eq!(check_read_only(sql), Ok(()), "{sql:?}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        let refused: Vec<(&str, GuardError)> = vec![
            // Not exactly one statement.
            ("", GuardError::Empty),
            ("   \n\t", GuardError::Empty),
            ("-- only a comment", GuardError::Empty),
            ("/* only a comment */", GuardError::Empty),
            ("-- a\n/* b */ -- c", GuardError::Empty),
            (";", GuardError::Empty),
            (" ; ;; ", GuardError::Empty),
            ("SELECT 1; SELECT 2", GuardError::MultipleStatements),
            ("SELECT 1;SELECT 2;", GuardError::MultipleStatements),
            ("SELECT 1; DROP TABLE x", GuardError::MultipleStatements),
            ("SELECT 1;--\nDELETE FROM x", GuardError::MultipleStatements),
            (
                "SELECT 1; /* */ DELETE FROM x",
                GuardError::MultipleStatements,
            ),
            ("SELECT 1;;", GuardError::MultipleStatements),
            ("; SELECT 1", GuardError::MultipleStatements),
            ("SELECT 1; x", GuardError::MultipleStatements),
            ("BEGIN; SELECT 1; COMMIT", GuardError::MultipleStatements),
            ("SELECT ';'; SELECT 2", GuardError::MultipleStatements),
            // Writes.
            ("/* */ DELETE FROM x", forbidden("DELETE")),
            ("-- hi\nDELETE FROM x", forbidden("DELETE")),
            ("DELETE FROM x", forbidden("DELETE")),
            ("delete from x", forbidden("DELETE")),
            ("UPDATE t SET a = 1", forbidden("UPDATE")),
            ("INSERT INTO t VALUES (1)", forbidden("INSERT")),
            ("insert into t select * from u", forbidden("INSERT")),
            ("REPLACE INTO t VALUES (1)", forbidden("REPLACE")),
            ("INSERT OR REPLACE INTO t VALUES (1)", forbidden("INSERT")),
            (
                "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2",
                forbidden("INSERT"),
            ),
            (
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
                forbidden("INSERT"),
            ),
            ("UPSERT INTO t VALUES (1)", forbidden("UPSERT")),
            ("TRUNCATE TABLE t", forbidden("TRUNCATE")),
            ("SELECT * INTO t2 FROM t", forbidden("INTO")),
            ("SELECT a INTO b", forbidden("INTO")),
            // Schema.
            ("CREATE TABLE t (a)", forbidden("CREATE")),
            ("CREATE TEMP VIEW v AS SELECT 1", forbidden("CREATE")),
            ("DROP TABLE t", forbidden("DROP")),
            ("DROP TABLE IF EXISTS \"select\"", forbidden("DROP")),
            ("ALTER TABLE t ADD COLUMN b", forbidden("ALTER")),
            (
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
                GuardError::MultipleStatements,
            ),
            (
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1 END",
                forbidden("CREATE"),
            ),
            ("REINDEX t", forbidden("REINDEX")),
            ("ANALYZE", forbidden("ANALYZE")),
            ("GRANT SELECT ON t TO u", forbidden("GRANT")),
            ("REVOKE SELECT ON t FROM u", forbidden("REVOKE")),
            // Engine, files and settings.
            ("ATTACH DATABASE 'x.db' AS x", forbidden("ATTACH")),
            ("attach 'x.db' as x", forbidden("ATTACH")),
            ("DETACH DATABASE x", forbidden("DETACH")),
            ("DETACH x", forbidden("DETACH")),
            ("PRAGMA table_info(x)", forbidden("PRAGMA")),
            ("pragma writable_schema = 1", forbidden("PRAGMA")),
            ("VACUUM", forbidden("VACUUM")),
            ("VACUUM INTO '/tmp/x.db'", forbidden("VACUUM")),
            ("SELECT load_extension('x')", function("load_extension")),
            (
                "SELECT LOAD_EXTENSION ('x', 'y')",
                function("load_extension"),
            ),
            (
                "SELECT load_extension /* c */ ('x')",
                function("load_extension"),
            ),
            ("SELECT \"load_extension\"('x')", function("load_extension")),
            ("SELECT [load_extension]('x')", function("load_extension")),
            ("SELECT `Load_Extension`('x')", function("load_extension")),
            ("SELECT load_extension", forbidden("LOAD_EXTENSION")),
            ("SELECT readfile('/etc/passwd')", function("readfile")),
            ("SELECT writefile('/tmp/x', 'y')", function("writefile")),
            ("SELECT edit('x')", function("edit")),
            (
                "SELECT fts3_tokenizer('simple')",
                function("fts3_tokenizer"),
            ),
            ("SELECT * FROM fsdir('/')", function("fsdir")),
            (
                "SELECT * FROM t WHERE x = (SELECT readfile('y'))",
                function("readfile"),
            ),
            // Transactions.
            ("BEGIN", forbidden("BEGIN")),
            ("BEGIN TRANSACTION", forbidden("BEGIN")),
            ("COMMIT", forbidden("COMMIT")),
            ("ROLLBACK", forbidden("ROLLBACK")),
            ("SAVEPOINT a", forbidden("SAVEPOINT")),
            ("RELEASE a", forbidden("RELEASE")),
            ("END TRANSACTION", forbidden("TRANSACTION")),
            // CTEs that are not a SELECT.
            ("WITH x AS (SELECT 1) DELETE FROM t", forbidden("DELETE")),
            (
                "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
                forbidden("INSERT"),
            ),
            (
                "WITH x AS (SELECT 1) UPDATE t SET a = 1",
                forbidden("UPDATE"),
            ),
            (
                "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
                forbidden("DELETE"),
            ),
            (
                "WITH x AS (SELECT 1)",
                without_select("the end of the query"),
            ),
            (
                "WITH x AS (SELECT 1);",
                without_select("the end of the query"),
            ),
            ("WITH x AS (SELECT 1) x", without_select("`X`")),
            ("WITH x (SELECT 1) SELECT 1", function("x")),
            ("WITH x AS SELECT 1", without_select("`SELECT`")),
            ("WITH x AS (SELECT 1", GuardError::UnbalancedParentheses),
            ("WITH", without_select("the end of the query")),
            (
                "WITH x AS (SELECT 1),",
                without_select("the end of the query"),
            ),
            // Parentheses that would escape the server's wrapping subquery.
            (
                "SELECT 1 FROM t) LIMIT 100000 --",
                GuardError::UnbalancedParentheses,
            ),
            ("SELECT (1", GuardError::UnbalancedParentheses),
            ("SELECT 1)", GuardError::UnbalancedParentheses),
            ("SELECT )(", GuardError::UnbalancedParentheses),
            // Other statements.
            ("EXPLAIN SELECT 1", not_a_select("EXPLAIN")),
            ("explain query plan select 1", not_a_select("EXPLAIN")),
            ("SHOW TABLES", not_a_select("SHOW")),
            ("(SELECT 1)", not_a_select("(")),
            ("'SELECT 1'", not_a_select("'SELECT 1'")),
            ("\"SELECT\" 1", not_a_select("\"SELECT\"")),
            ("selectx 1", not_a_select("SELECTX")),
            ("1", not_a_select("1")),
            // Functions outside the allowlist, however they are written.
            (
                "SELECT 1,\u{feff}load_extension('x')",
                function("load_extension"),
            ),
            (
                "SELECT \u{feff}fts3_tokenizer('simple')",
                function("fts3_tokenizer"),
            ),
            (
                "SELECT sqlite_compileoption_get(0)",
                function("sqlite_compileoption_get"),
            ),
            ("SELECT no_such_function(1)", function("no_such_function")),
            ("SELECT x REGEXP 'a' FROM t", function("regexp")),
            (
                "SELECT CAST(1 AS load_extension('x'))",
                function("load_extension"),
            ),
            (
                "WITH load_extension('x') AS (SELECT 1) SELECT 1",
                function("load_extension"),
            ),
            (
                "SELECT * FROM \"pragma_table_info\"('t')",
                function("pragma_table_info"),
            ),
            // Engine tables.
            (
                "SELECT * FROM pragma_table_info('t')",
                function("pragma_table_info"),
            ),
            (
                "SELECT * FROM pragma_database_list",
                GuardError::ForbiddenTable {
                    name: "pragma_database_list".to_owned(),
                },
            ),
            (
                "SELECT * FROM 'dbstat'",
                GuardError::ForbiddenTable {
                    name: "dbstat".to_owned(),
                },
            ),
            // Parameters SQLite reads in its TCL forms, whose text hides what follows.
            (
                "SELECT :a(/*), load_extension('x') --*/",
                GuardError::UnsupportedParameter {
                    parameter: ":a(/*)".to_owned(),
                },
            ),
            (
                "SELECT $a::b",
                GuardError::UnsupportedParameter {
                    parameter: "$a::b".to_owned(),
                },
            ),
            (
                "SELECT #a",
                GuardError::UnsupportedParameter {
                    parameter: "#a".to_owned(),
                },
            ),
            // Lexical errors.
            (
                "SELECT 'abc",
                GuardError::Unterminated {
                    what: "string literal",
                },
            ),
            (
                "SELECT 'it''s",
                GuardError::Unterminated {
                    what: "string literal",
                },
            ),
            (
                "SELECT 1 /* never closed",
                GuardError::Unterminated {
                    what: "block comment",
                },
            ),
            (
                "/* SELECT 1",
                GuardError::Unterminated {
                    what: "block comment",
                },
            ),
            (
                "SELECT \"abc FROM t",
                GuardError::Unterminated {
                    what: "quoted identifier",
                },
            ),
            (
                "SELECT [abc FROM t",
                GuardError::Unterminated {
                    what: "quoted identifier",
                },
            ),
            (
                "SELECT `abc FROM t",
                GuardError::Unterminated {
                    what: "quoted identifier",
                },
            ),
            (
                "SELECT X'00",
                GuardError::Unterminated {
                    what: "blob literal",
                },
            ),
            ("SELECT X'0'", GuardError::InvalidBlob { position: 8 }),
            (
                "SELECT # FROM t",
                GuardError::Unrecognized {
                    character: '#',
                    position: 8,
                },
            ),
            (
                "SELECT é\\",
                GuardError::Unrecognized {
                    character: '\\',
                    position: 9,
                },
            ),
            (
                "SELECT 1\0; DROP TABLE x",
                GuardError::Unrecognized {
                    character: '\0',
                    position: 9,
                },
            ),
            (
                "SELECT 1DELETE",
                GuardError::Unrecognized {
                    character: 'D',
                    position: 9,
                },
            ),
            (
                "SELECT {a}",
                GuardError::Unrecognized {
                    character: '{',
                    position: 8,
                },
            ),
        ];
        for (sql, expected) in refused {
            assert_eq!(check_read_only(sql), Err(expected), "{sql:?}");
        }
    }

    #[test]
    fn writes_are_checked_separately() {
        let forbidden_in_write = |keyword: &str| GuardError::ForbiddenInWrite {
            keyword: keyword.to_owned(),
        };
        let not_a_write = |first: &str| GuardError::NotAWrite {
            first_keyword: first.to_owned(),
        };
        let accepted = [
            "INSERT INTO t (a, b) VALUES (?1, ?2)",
            "insert into t values (1);",
            "INSERT OR REPLACE INTO t VALUES (1)",
            "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = excluded.a",
            "INSERT INTO t SELECT * FROM u WHERE created_at > ?",
            "INSERT INTO t DEFAULT VALUES RETURNING id",
            "REPLACE INTO t VALUES (1)",
            "UPDATE t SET a = replace(a, 'x', 'y') WHERE id = ?",
            "UPDATE t SET \"drop\" = 1",
            "DELETE FROM t WHERE id IN (SELECT id FROM u)",
            "DELETE FROM t WHERE note = 'DROP TABLE t; --'",
            "WITH x AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM x)",
            "WITH x(a) AS (VALUES (1)) INSERT INTO t SELECT a FROM x",
            "-- note\nUPDATE t SET a = 1; -- done",
            "INSERT INTO main.t AS x (a) VALUES (1) ON CONFLICT (a) DO NOTHING",
            "UPDATE t SET (a, b) = (1, 2) WHERE id = ?1 RETURNING id",
        ];
        for sql in accepted {
            assert_eq!(check_write(sql), Ok(()), "{sql:?}");
        }
        let refused: Vec<(&str, GuardError)> = vec![
            ("", GuardError::Empty),
            ("-- nothing", GuardError::Empty),
            (
                "DELETE FROM t; DROP TABLE t",
                GuardError::MultipleStatements,
            ),
            (
                "UPDATE t SET a = 1; UPDATE t SET b = 2",
                GuardError::MultipleStatements,
            ),
            ("SELECT 1", not_a_write("SELECT")),
            ("VALUES (1)", not_a_write("VALUES")),
            ("EXPLAIN DELETE FROM t", not_a_write("EXPLAIN")),
            (
                "WITH x AS (SELECT 1) SELECT * FROM x",
                not_a_write("SELECT"),
            ),
            ("WITH x AS (SELECT 1)", not_a_write("WITH")),
            ("CREATE TABLE t (a)", forbidden_in_write("CREATE")),
            ("DROP TABLE t", forbidden_in_write("DROP")),
            ("ALTER TABLE t RENAME TO u", forbidden_in_write("ALTER")),
            ("PRAGMA foreign_keys = OFF", forbidden_in_write("PRAGMA")),
            ("ATTACH 'x.db' AS x", forbidden_in_write("ATTACH")),
            ("VACUUM", forbidden_in_write("VACUUM")),
            ("BEGIN", forbidden_in_write("BEGIN")),
            ("COMMIT", forbidden_in_write("COMMIT")),
            (
                "INSERT INTO t VALUES (readfile('/etc/passwd'))",
                function("readfile"),
            ),
            (
                "UPDATE t SET a = load_extension('x')",
                function("load_extension"),
            ),
            (
                "DELETE FROM t WHERE id IN (SELECT * FROM pragma_table_info('t'))",
                function("pragma_table_info"),
            ),
            (
                "INSERT INTO t VALUES (printf('%s', \"edit\"('x')))",
                function("edit"),
            ),
            (
                "INSERT INTO t VALUES ((1)",
                GuardError::UnbalancedParentheses,
            ),
            (
                "DELETE FROM t WHERE 'x",
                GuardError::Unterminated {
                    what: "string literal",
                },
            ),
        ];
        for (sql, expected) in refused {
            assert_eq!(check_write(sql), Err(expected), "{sql:?}");
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let cases: Vec<(GuardError, &[&str])> = vec![
            (GuardError::Empty, &["empty", "SELECT"]),
            (
                GuardError::MultipleStatements,
                &["only one statement", "remove the text after the first `;`"],
            ),
            (
                not_a_select("EXPLAIN"),
                &["`EXPLAIN`", "SELECT", "sql_describe_table"],
            ),
            (
                without_select("`X`"),
                &["WITH", "followed by a SELECT", "`X`"],
            ),
            (
                forbidden("PRAGMA"),
                &[
                    "`PRAGMA` is not allowed",
                    "read-only SELECT",
                    "sql_list_tables",
                    "sql_describe_table",
                ],
            ),
            (
                forbidden("DELETE"),
                &["`DELETE` is not allowed", "sql_execute", "\"delete\""],
            ),
            (forbidden("BEGIN"), &["transaction"]),
            (forbidden("INTO"), &["SELECT … INTO"]),
            (function("readfile"), &["`readfile()`", "files"]),
            (
                GuardError::Unterminated {
                    what: "string literal",
                },
                &["unterminated string literal", "''"],
            ),
            (
                GuardError::Unterminated {
                    what: "block comment",
                },
                &["unterminated block comment", "*/"],
            ),
            (
                GuardError::Unterminated {
                    what: "quoted identifier",
                },
                &["unterminated quoted identifier"],
            ),
            (
                GuardError::InvalidBlob { position: 3 },
                &["character 3", "even number of hex digits"],
            ),
            (
                GuardError::Unrecognized {
                    character: '\0',
                    position: 9,
                },
                &["'\\0'", "U+0000", "character 9"],
            ),
        ];
        for (err, fragments) in cases {
            let message = err.to_string();
            for fragment in fragments {
                assert!(message.contains(fragment), "{message:?} lacks {fragment:?}");
            }
        }
    }

    #[test]
    fn long_tokens_are_cut_in_messages() {
        let long = format!("\"{}\" 1", "é".repeat(100));
        let Err(GuardError::NotASelect { first_keyword }) = check_read_only(&long) else {
            panic!("expected NotASelect");
        };
        assert_eq!(first_keyword.chars().count(), QUOTE_LIMIT + 1);
        assert!(first_keyword.ends_with('…'));
    }

    #[test]
    fn never_panics() {
        let inputs = [
            "",
            "'",
            "\"",
            "`",
            "[",
            "]",
            "\\",
            "\\'",
            "'\\'",
            "\0",
            "SELECT \0",
            "SELECT '\0'",
            "é",
            "'é",
            "\"é",
            "[é",
            "`é",
            "SELECT é",
            "SELECT 'é😀'",
            "😀; 😀",
            "\u{feff}SELECT 1",
            "SELECT\u{a0}1",
            "SELECT\u{2028}1",
            "WITH",
            "WITH (",
            "WITH x AS (",
            "WITH x AS ((((",
            "WITH x AS ))))",
            "WITH RECURSIVE",
            "WITH x AS NOT",
            ")))",
            "(((",
            "SELECT f(",
            "SELECT load_extension",
            "SELECT load_extension(",
            "SELECT replace(",
            "X'",
            "x'é'",
            "SELECT 1e",
            "SELECT 0x",
            "?",
            ":",
            "$",
            "@",
            "::",
            "--",
            "/*",
            "*/",
            ";;;;",
            "; ;",
            "SELECT 'a' 'b",
            "SELECT \"\"\"",
            "SELECT [[]]",
            "\r\n\r\n",
            "\x0b",
            "SELECT\tİ",
            "ß;",
        ];
        for input in inputs {
            let _ = check_read_only(input).map_err(|e| e.to_string());
            for (i, _) in input.char_indices() {
                let _ = check_read_only(&input[i..]).map_err(|e| e.to_string());
                let _ = check_read_only(&input[..i]).map_err(|e| e.to_string());
            }
        }
        // Every string of up to three pieces from a set of awkward ones.
        let pieces = [
            "'", "\"", "`", "[", "]", "(", ")", ";", "--", "/*", "*/", "\n", " ", "é", "\0", "\\",
            "x", "X'", "0", "SELECT", "WITH", "AS", "DELETE", "replace", ",",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let sql = format!("{a}{b}{c}");
                    let _ = check_read_only(&sql).map_err(|e| e.to_string());
                }
            }
        }
    }

    #[test]
    fn nothing_after_a_semicolon_but_trivia_is_accepted() {
        for tail in ["", " ", "\n", "-- x", "/* x */", " -- x\n /* y */ \n"] {
            assert_eq!(
                check_read_only(&format!("SELECT 1;{tail}")),
                Ok(()),
                "{tail:?}"
            );
            assert_eq!(
                check_read_only(&format!("SELECT 1;{tail}\nSELECT 2")),
                Err(GuardError::MultipleStatements),
                "{tail:?}"
            );
        }
    }
}
