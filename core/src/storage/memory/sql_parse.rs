//! The tokenizer and parser of the SQL subset [`MemorySql`](super::MemorySql) runs.
//!
//! ```text
//! SELECT <* | col[, col...]> FROM <table | ( <select> )> [AS alias]
//!     [WHERE col = <value> [AND col = <value>...]] [LIMIT <n|?N>] [OFFSET <n|?N>] [;]
//! INSERT INTO table (col[, col...]) VALUES (<value>[, <value>...]) [;]
//! DELETE FROM table [WHERE col = <value> [AND col = <value>...]] [;]
//! ```
//!
//! Keywords are case-insensitive, identifiers may be double-quoted, values are integer,
//! real and `'string'` literals, `NULL` and `?N` placeholders (1-based). Placeholders are
//! resolved while parsing, so the statement that comes out holds plain values.

use crate::storage::SqlValue;
use crate::{Error, ErrorKind, Result};
use std::iter::Peekable;
use std::str::Chars;

/// How deep `FROM (SELECT ...)` may nest.
const MAX_DEPTH: usize = 16;

/// Words that are never bare column or table names.
const RESERVED: &[&str] = &[
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "LIMIT", "OFFSET", "AS", "JOIN", "ON", "ORDER",
    "GROUP", "BY", "HAVING", "UNION", "NULL", "INSERT", "INTO", "VALUES", "DELETE", "UPDATE",
    "SET", "DISTINCT", "IS", "IN", "LIKE",
];

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Statement {
    Select(Select),
    Insert(Insert),
    Delete(Delete),
}

/// `SELECT ... FROM ...`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Select {
    pub(super) projection: Projection,
    pub(super) source: Source,
    pub(super) filters: Vec<Filter>,
    /// `LIMIT`, as written: negative means no limit, as in SQLite.
    pub(super) limit: Option<i64>,
    /// `OFFSET`, as written: negative counts as 0, as in SQLite.
    pub(super) offset: Option<i64>,
}

/// What a `SELECT` returns.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Projection {
    All,
    Columns(Vec<String>),
}

/// What a `SELECT` reads.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Source {
    Table(String),
    Subquery(Box<Select>),
}

/// `column = value`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Filter {
    pub(super) column: String,
    pub(super) value: SqlValue,
}

/// `INSERT INTO table (columns) VALUES (values)`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Insert {
    pub(super) table: String,
    pub(super) columns: Vec<String>,
    pub(super) values: Vec<SqlValue>,
}

/// `DELETE FROM table WHERE ...`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Delete {
    pub(super) table: String,
    pub(super) filters: Vec<Filter>,
}

/// The error for anything outside the subset.
pub(super) fn unsupported(detail: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "{detail}: the in-memory database runs only simple SELECT statements \
             (SELECT * or columns FROM a table or (SELECT ...) [WHERE column = value AND ...] \
             [LIMIT n] [OFFSET n]), INSERT INTO table (columns) VALUES (values) and \
             DELETE FROM table [WHERE ...]; use SQLite for anything else"
        ),
    )
}

/// Parses one statement, taking `?N` values from `params`.
pub(super) fn parse(sql: &str, params: &[SqlValue]) -> Result<Statement> {
    let mut parser = Parser {
        tokens: tokenize(sql)?,
        pos: 0,
        params,
        depth: 0,
    };
    let statement = if parser.eat_keyword("SELECT") {
        Statement::Select(parser.select()?)
    } else if parser.eat_keyword("INSERT") {
        Statement::Insert(parser.insert()?)
    } else if parser.eat_keyword("DELETE") {
        Statement::Delete(parser.delete()?)
    } else {
        return Err(match parser.peek() {
            Some(token) => unsupported(format!("{} statements are not supported", token)),
            None => unsupported("the statement is empty"),
        });
    };
    let ended = parser.eat_symbol(';');
    match parser.peek() {
        None => Ok(statement),
        Some(_) if ended => Err(unsupported("only one statement runs at a time")),
        Some(token) => Err(unsupported(format!(
            "unexpected {token} after the statement"
        ))),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A bare word: a keyword or an identifier.
    Word(String),
    /// A `"quoted"` identifier.
    Quoted(String),
    Integer(i64),
    Real(f64),
    /// A `'string'` literal.
    Text(String),
    /// `?N`.
    Param(usize),
    Symbol(char),
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(w) => write!(f, "`{w}`"),
            Token::Quoted(q) => write!(f, "`\"{q}\"`"),
            Token::Integer(n) => write!(f, "`{n}`"),
            Token::Real(n) => write!(f, "`{n}`"),
            Token::Text(_) => f.write_str("a string literal"),
            Token::Param(n) => write!(f, "`?{n}`"),
            Token::Symbol(c) => write!(f, "`{c}`"),
        }
    }
}

fn tokenize(sql: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '-' && starts_with(&chars, "--") {
            // A line comment.
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
        } else if c == '/' && starts_with(&chars, "/*") {
            chars.next();
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Err(unsupported("a /* comment is not closed"));
            }
        } else if c.is_alphabetic() || c == '_' {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if !(c.is_alphanumeric() || c == '_' || c == '$') {
                    break;
                }
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
        } else if c.is_ascii_digit() || (c == '.' && second_is_digit(&chars)) {
            tokens.push(number(&mut chars)?);
        } else if c == '\'' {
            chars.next();
            tokens.push(Token::Text(quoted(&mut chars, '\'', "a string literal")?));
        } else if c == '"' {
            chars.next();
            tokens.push(Token::Quoted(quoted(&mut chars, '"', "a quoted name")?));
        } else if c == '?' {
            chars.next();
            let mut digits = String::new();
            while let Some(&d) = chars.peek() {
                if !d.is_ascii_digit() {
                    break;
                }
                digits.push(d);
                chars.next();
            }
            if digits.is_empty() {
                return Err(unsupported(
                    "a bare `?` placeholder; number placeholders ?1, ?2, ...",
                ));
            }
            let n = digits
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| {
                    Error::invalid_params(format!(
                        "placeholder ?{digits} is out of range; placeholders count from ?1"
                    ))
                })?;
            tokens.push(Token::Param(n));
        } else {
            chars.next();
            tokens.push(Token::Symbol(c));
        }
    }
    Ok(tokens)
}

fn starts_with(chars: &Peekable<Chars<'_>>, text: &str) -> bool {
    chars.clone().take(text.chars().count()).eq(text.chars())
}

fn second_is_digit(chars: &Peekable<Chars<'_>>) -> bool {
    chars.clone().nth(1).is_some_and(|c| c.is_ascii_digit())
}

/// A number: digits, an optional fraction and an optional exponent.
fn number(chars: &mut Peekable<Chars<'_>>) -> Result<Token> {
    let mut text = String::new();
    let mut real = false;
    let digits = |chars: &mut Peekable<Chars<'_>>, text: &mut String| {
        while let Some(&d) = chars.peek() {
            if !d.is_ascii_digit() {
                break;
            }
            text.push(d);
            chars.next();
        }
    };
    digits(chars, &mut text);
    if chars.peek() == Some(&'.') {
        real = true;
        text.push('.');
        chars.next();
        digits(chars, &mut text);
    }
    if matches!(chars.peek(), Some('e' | 'E')) {
        let mut ahead = chars.clone();
        ahead.next();
        let sign = ahead.next_if(|c| *c == '+' || *c == '-');
        if ahead.peek().is_some_and(|c| c.is_ascii_digit()) {
            real = true;
            text.push('e');
            chars.next();
            if let Some(sign) = sign {
                text.push(sign);
                chars.next();
            }
            digits(chars, &mut text);
        }
    }
    if let Some(&c) = chars.peek() {
        if c.is_alphanumeric() || c == '_' || c == '.' {
            return Err(unsupported(format!("a malformed number near `{text}{c}`")));
        }
    }
    if !real {
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Token::Integer(n));
        }
    }
    // Integers too large for 64 bits become reals, as in SQLite.
    text.parse::<f64>()
        .map(Token::Real)
        .map_err(|_| unsupported(format!("a malformed number `{text}`")))
}

/// The rest of a literal opened by `quote`, with doubled quotes standing for one.
fn quoted(chars: &mut Peekable<Chars<'_>>, quote: char, what: &str) -> Result<String> {
    let mut text = String::new();
    while let Some(c) = chars.next() {
        if c == quote {
            if chars.peek() == Some(&quote) {
                chars.next();
            } else {
                return Ok(text);
            }
        }
        text.push(c);
    }
    Err(unsupported(format!("{what} is not closed")))
}

struct Parser<'p> {
    tokens: Vec<Token>,
    pos: usize,
    params: &'p [SqlValue],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.is_keyword(keyword);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_symbol(&mut self, symbol: char) -> bool {
        let found = self.peek() == Some(&Token::Symbol(symbol));
        if found {
            self.pos += 1;
        }
        found
    }

    /// The error for an unexpected token (or the end) where `expected` should be.
    fn unexpected(&self, expected: &str) -> Error {
        match self.peek() {
            Some(token) => unsupported(format!("expected {expected} but found {token}")),
            None => unsupported(format!("expected {expected} but the statement ends there")),
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<()> {
        if self.eat_keyword(keyword) {
            Ok(())
        } else {
            Err(self.unexpected(keyword))
        }
    }

    fn expect_symbol(&mut self, symbol: char) -> Result<()> {
        if self.eat_symbol(symbol) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{symbol}`")))
        }
    }

    fn identifier(&mut self, what: &str) -> Result<String> {
        match self.peek() {
            Some(Token::Word(w)) if !RESERVED.iter().any(|r| w.eq_ignore_ascii_case(r)) => {
                let name = w.clone();
                self.pos += 1;
                Ok(name)
            }
            Some(Token::Quoted(q)) => {
                let name = q.clone();
                self.pos += 1;
                Ok(name)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// A column name, refusing `table.column`.
    fn column(&mut self) -> Result<String> {
        let name = self.identifier("a column name")?;
        if self.peek() == Some(&Token::Symbol('.')) {
            return Err(unsupported(format!(
                "qualified column names such as `{name}.…`; write the bare column name"
            )));
        }
        if self.peek() == Some(&Token::Symbol('(')) {
            return Err(unsupported(format!("function calls such as `{name}(…)`")));
        }
        Ok(name)
    }

    fn value(&mut self) -> Result<SqlValue> {
        let sign = match self.peek() {
            Some(Token::Symbol('-')) => Some(true),
            Some(Token::Symbol('+')) => Some(false),
            _ => None,
        };
        if let Some(negative) = sign {
            self.pos += 1;
            // Number tokens are never negative, so negating them cannot overflow.
            let value = match self.peek() {
                Some(Token::Integer(n)) if negative => SqlValue::Integer(n.wrapping_neg()),
                Some(Token::Real(n)) if negative => SqlValue::Real(-n),
                Some(Token::Integer(n)) => SqlValue::Integer(*n),
                Some(Token::Real(n)) => SqlValue::Real(*n),
                _ => return Err(self.unexpected("a number after the sign")),
            };
            self.pos += 1;
            return Ok(value);
        }
        let value = match self.peek() {
            Some(Token::Integer(n)) => SqlValue::Integer(*n),
            Some(Token::Real(n)) => SqlValue::Real(*n),
            Some(Token::Text(s)) => SqlValue::Text(s.clone()),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("NULL") => SqlValue::Null,
            Some(Token::Param(n)) => self.param(*n)?,
            _ => return Err(self.unexpected("a value (a number, a 'string', NULL or ?N)")),
        };
        self.pos += 1;
        Ok(value)
    }

    fn param(&self, n: usize) -> Result<SqlValue> {
        n.checked_sub(1)
            .and_then(|i| self.params.get(i))
            .cloned()
            .ok_or_else(|| {
                Error::invalid_params(format!(
                    "placeholder ?{n} has no value: the statement got {} parameter(s); \
                     pass one value per placeholder, ?1 first",
                    self.params.len()
                ))
            })
    }

    /// `LIMIT` or `OFFSET`'s operand.
    fn count(&mut self, clause: &str) -> Result<i64> {
        match self.value()? {
            SqlValue::Integer(n) => Ok(n),
            other => Err(Error::invalid_params(format!(
                "{clause} needs an integer but got {}; pass a whole number",
                describe(&other)
            ))),
        }
    }

    /// `WHERE a = 1 AND b = ?2`, if present.
    fn filters(&mut self) -> Result<Vec<Filter>> {
        let mut filters = Vec::new();
        if !self.eat_keyword("WHERE") {
            return Ok(filters);
        }
        loop {
            let column = self.column()?;
            self.expect_symbol('=')?;
            let value = self.value()?;
            filters.push(Filter { column, value });
            if !self.eat_keyword("AND") {
                return Ok(filters);
            }
        }
    }

    /// The rest of a `SELECT`, after the keyword.
    fn select(&mut self) -> Result<Select> {
        let projection = if self.eat_symbol('*') {
            Projection::All
        } else {
            let mut columns = vec![self.column()?];
            while self.eat_symbol(',') {
                columns.push(self.column()?);
            }
            Projection::Columns(columns)
        };
        self.expect_keyword("FROM")?;
        let source = if self.eat_symbol('(') {
            self.expect_keyword("SELECT")?;
            if self.depth >= MAX_DEPTH {
                return Err(unsupported(format!(
                    "subqueries nested more than {MAX_DEPTH} deep"
                )));
            }
            self.depth += 1;
            let inner = self.select()?;
            self.depth -= 1;
            self.expect_symbol(')')?;
            Source::Subquery(Box::new(inner))
        } else {
            Source::Table(self.identifier("a table name or (SELECT ...)")?)
        };
        if self.eat_keyword("AS") {
            // The alias names nothing: qualified column names are outside the subset.
            self.identifier("an alias")?;
        }
        let filters = self.filters()?;
        let limit = if self.eat_keyword("LIMIT") {
            Some(self.count("LIMIT")?)
        } else {
            None
        };
        let offset = if self.eat_keyword("OFFSET") {
            Some(self.count("OFFSET")?)
        } else {
            None
        };
        Ok(Select {
            projection,
            source,
            filters,
            limit,
            offset,
        })
    }

    /// The rest of an `INSERT`, after the keyword.
    fn insert(&mut self) -> Result<Insert> {
        self.expect_keyword("INTO")?;
        let table = self.identifier("a table name")?;
        self.expect_symbol('(')?;
        let mut columns = vec![self.column()?];
        while self.eat_symbol(',') {
            columns.push(self.column()?);
        }
        self.expect_symbol(')')?;
        self.expect_keyword("VALUES")?;
        self.expect_symbol('(')?;
        let mut values = vec![self.value()?];
        while self.eat_symbol(',') {
            values.push(self.value()?);
        }
        self.expect_symbol(')')?;
        Ok(Insert {
            table,
            columns,
            values,
        })
    }

    /// The rest of a `DELETE`, after the keyword.
    fn delete(&mut self) -> Result<Delete> {
        self.expect_keyword("FROM")?;
        let table = self.identifier("a table name")?;
        let filters = self.filters()?;
        Ok(Delete { table, filters })
    }
}

/// A value as SQL text, for messages.
pub(super) fn describe(value: &SqlValue) -> String {
    match value {
        SqlValue::Null => "NULL".to_owned(),
        SqlValue::Integer(n) => n.to_string(),
        SqlValue::Real(n) => n.to_string(),
        SqlValue::Text(s) => format!("'{}'", s.replace('\'', "''")),
        SqlValue::Blob(b) => format!("a {}-byte blob", b.len()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let got = tokenize(
            "select \"a\"\"b\", x_1 FROM t -- note\n WHERE s = 'it''s' /* c */ AND n=-1.5e2 LIMIT ?12;",
        )
        .unwrap();
        let want = vec![
            Token::Word("select".into()),
            Token::Quoted("a\"b".into()),
            Token::Symbol(','),
            Token::Word("x_1".into()),
            Token::Word("FROM".into()),
            Token::Word("t".into()),
            Token::Word("WHERE".into()),
            Token::Word("s".into()),
            Token::Symbol('='),
            Token::Text("it's".into()),
            Token::Word("AND".into()),
            Token::Word("n".into()),
            Token::Symbol('='),
            Token::Symbol('-'),
            Token::Real(150.0),
            Token::Word("LIMIT".into()),
            Token::Param(12),
            Token::Symbol(';'),
        ];
        assert_eq!(got, want);
        assert_eq!(
            tokenize("9223372036854775808 .5 7").unwrap(),
            [
                Token::Real(9_223_372_036_854_775_808.0),
                Token::Real(0.5),
                Token::Integer(7)
            ]
        );
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        for (sql, kind) in [
            ("'open", ErrorKind::Unsupported),
            ("\"open", ErrorKind::Unsupported),
            ("/* open", ErrorKind::Unsupported),
            ("?", ErrorKind::Unsupported),
            ("?0", ErrorKind::InvalidParams),
            ("?99999999999999999999999", ErrorKind::InvalidParams),
            ("12abc", ErrorKind::Unsupported),
            ("1.2.3", ErrorKind::Unsupported),
        ] {
            let err = tokenize(sql).unwrap_err();
            assert_eq!(err.kind(), kind, "{sql}: {err}");
        }
    }

    #[test]
    fn parses_nested_selects_with_resolved_params() {
        let params = [SqlValue::Integer(2), SqlValue::Text("x".into())];
        let got = parse(
            "SELECT name FROM (SELECT * FROM t WHERE k = ?2) AS s LIMIT ?1 OFFSET -3",
            &params,
        )
        .unwrap();
        let inner = Select {
            projection: Projection::All,
            source: Source::Table("t".into()),
            filters: vec![Filter {
                column: "k".into(),
                value: SqlValue::Text("x".into()),
            }],
            limit: None,
            offset: None,
        };
        let want = Statement::Select(Select {
            projection: Projection::Columns(vec!["name".into()]),
            source: Source::Subquery(Box::new(inner)),
            filters: vec![],
            limit: Some(2),
            offset: Some(-3),
        });
        assert_eq!(got, want);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!(
            "SELECT * FROM {}t{}",
            "(SELECT * FROM ".repeat(100),
            ")".repeat(100)
        );
        let err = parse(&deep, &[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        assert!(err.message().contains("nested"), "{err}");
    }

    #[test]
    fn describes_values() {
        assert_eq!(describe(&SqlValue::Text("it's".into())), "'it''s'");
        assert_eq!(describe(&SqlValue::Blob(vec![1, 2])), "a 2-byte blob");
        assert_eq!(describe(&SqlValue::Null), "NULL");
    }
}
