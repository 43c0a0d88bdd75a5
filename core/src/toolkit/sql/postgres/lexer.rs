//! Splits PostgreSQL SQL into tokens where PostgreSQL's own scanner splits it.
//!
//! The rules that decide where a string, a comment or an identifier ends, each of which an
//! attacker would use to hide a keyword from a checker that reads the text differently:
//!
//! - `'…'` strings with `''` for a quote and backslashes as plain characters (the
//!   connection pins `standard_conforming_strings = on`); `E'…'` strings, where a
//!   backslash takes the next character with it (`\'` is not the end); `U&'…'`, `B'…'`,
//!   `X'…'` and `N'…'`; a string followed by whitespace holding a newline and another
//!   `'…'` continues, in the first part's mode;
//! - `$tag$…$tag$` strings (the tag may be empty, never starts with a digit, and is
//!   case-sensitive), while `$1` is a parameter and a `$` inside a word (`a$b`) belongs
//!   to the word;
//! - `-- …` comments to the end of the line and `/* … */` comments that nest;
//! - `"…"` and `U&"…"` identifiers with `""` for a quote;
//! - operators stop where `--` or `/*` begins.
//!
//! Anything else (a control character, a backslash or brace outside a string, a number
//! run into letters) is an error: the guard refuses what it cannot read.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Whitespace.
    Space,
    /// A `--` or `/* */` comment.
    Comment,
    /// A bare word: a keyword or an unquoted identifier.
    Word,
    /// A `"…"` or `U&"…"` identifier.
    QuotedName,
    /// A string constant of any form.
    Text,
    /// A numeric constant.
    Number,
    /// A `$N` parameter.
    Parameter,
    /// An operator: one or more of `+ - * / < > = ~ ! @ # % ^ & | ` ?`.
    Operator,
    /// `::`, `:=`, `=>` or one of `( ) [ ] , ; : .`.
    Punct,
}

/// One token: its kind, its text and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// What it is.
    pub(crate) kind: Kind,
    /// Its text, exactly as written.
    pub(crate) text: &'a str,
    /// Its byte offset in the statement.
    pub(crate) offset: usize,
}

impl Token<'_> {
    /// Whitespace or a comment.
    pub(crate) fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }

    /// A bare word equal to `keyword` (ASCII case-insensitive).
    pub(crate) fn is_word(&self, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    /// Punctuation equal to `punct`.
    pub(crate) fn is_punct(&self, punct: &str) -> bool {
        self.kind == Kind::Punct && self.text == punct
    }

    /// The name a word or quoted identifier stands for: a bare word folded to lower case
    /// (as PostgreSQL folds it), a quoted one as written without its quotes.
    pub(crate) fn name(&self) -> Option<String> {
        match self.kind {
            Kind::Word => Some(self.text.to_ascii_lowercase()),
            Kind::QuotedName => {
                let inner = self
                    .text
                    .strip_prefix("U&")
                    .or(self.text.strip_prefix("u&"));
                let inner = inner.unwrap_or(self.text);
                let inner = inner.get(1..inner.len().saturating_sub(1))?;
                Some(inner.replace("\"\"", "\""))
            }
            _ => None,
        }
    }
}

/// Why the text could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LexError {
    /// A string, quoted identifier or comment left open; `what` names it.
    Unterminated {
        /// `"string"`, `"dollar-quoted string"`, `"quoted name"` or `"block comment"`.
        what: &'static str,
    },
    /// A character (or a number run into letters) that has no place here.
    Unexpected {
        /// The byte offset where it is.
        offset: usize,
    },
}

/// Splits `sql` into tokens that cover it exactly.
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, LexError> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let (kind, end) = token_at(bytes, at)?;
        let text = sql
            .get(at..end)
            .ok_or(LexError::Unexpected { offset: at })?;
        tokens.push(Token {
            kind,
            text,
            offset: at,
        });
        at = end;
    }
    Ok(tokens)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

fn is_newline(b: u8) -> bool {
    matches!(b, b'\n' | b'\r')
}

/// PostgreSQL treats every byte at or above 0x80 as a letter of an identifier.
fn starts_word(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn continues_word(b: u8) -> bool {
    starts_word(b) || b.is_ascii_digit() || b == b'$'
}

fn continues_tag(b: u8) -> bool {
    starts_word(b) || b.is_ascii_digit()
}

fn is_operator_char(b: u8) -> bool {
    b"+-*/<>=~!@#%^&|`?".contains(&b)
}

fn token_at(bytes: &[u8], start: usize) -> Result<(Kind, usize), LexError> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let b = at(start);
    let unexpected = LexError::Unexpected { offset: start };
    if is_space(b) {
        let mut end = start;
        while end < bytes.len() && is_space(at(end)) {
            end += 1;
        }
        return Ok((Kind::Space, end));
    }
    if b == b'-' && at(start + 1) == b'-' {
        return Ok((Kind::Comment, line_comment_end(bytes, start)));
    }
    if b == b'/' && at(start + 1) == b'*' {
        return Ok((Kind::Comment, block_comment_end(bytes, start)?));
    }
    // Prefixed strings and names: the prefix is one letter (two with `&`) right before
    // the quote; `eab'x'` is the word `eab` followed by a string.
    match (b.to_ascii_lowercase(), at(start + 1), at(start + 2)) {
        (b'e', b'\'', _) => {
            return Ok((Kind::Text, string_end(bytes, start + 1, Quoting::Escapes)?))
        }
        (b'n', b'\'', _) => {
            return Ok((Kind::Text, string_end(bytes, start + 1, Quoting::Standard)?))
        }
        (b'b' | b'x', b'\'', _) => {
            return Ok((Kind::Text, string_end(bytes, start + 1, Quoting::Bits)?))
        }
        (b'u', b'&', b'\'') => {
            return Ok((Kind::Text, string_end(bytes, start + 2, Quoting::Standard)?))
        }
        (b'u', b'&', b'"') => return Ok((Kind::QuotedName, quoted_name_end(bytes, start + 2)?)),
        _ => {}
    }
    if starts_word(b) {
        let mut end = start + 1;
        while end < bytes.len() && continues_word(at(end)) {
            end += 1;
        }
        return Ok((Kind::Word, end));
    }
    match b {
        b'\'' => Ok((Kind::Text, string_end(bytes, start, Quoting::Standard)?)),
        b'"' => Ok((Kind::QuotedName, quoted_name_end(bytes, start)?)),
        b'$' => dollar(bytes, start),
        b'0'..=b'9' => number_end(bytes, start).map(|end| (Kind::Number, end)),
        b'.' if at(start + 1).is_ascii_digit() => {
            number_end(bytes, start).map(|end| (Kind::Number, end))
        }
        b':' if matches!(at(start + 1), b':' | b'=') => Ok((Kind::Punct, start + 2)),
        b'=' if at(start + 1) == b'>' => Ok((Kind::Punct, start + 2)),
        b'(' | b')' | b'[' | b']' | b',' | b';' | b':' | b'.' => Ok((Kind::Punct, start + 1)),
        _ if is_operator_char(b) => {
            let mut end = start;
            while end < bytes.len() && is_operator_char(at(end)) {
                if (at(end) == b'-' && at(end + 1) == b'-')
                    || (at(end) == b'/' && at(end + 1) == b'*')
                {
                    break;
                }
                end += 1;
            }
            Ok((Kind::Operator, end.max(start + 1)))
        }
        _ => Err(unexpected),
    }
}

fn line_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && !is_newline(bytes[end]) {
        end += 1;
    }
    end
}

fn block_comment_end(bytes: &[u8], start: usize) -> Result<usize, LexError> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => i += 1,
        }
    }
    Err(LexError::Unterminated {
        what: "block comment",
    })
}

/// How a string's body is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// `'…'`, `N'…'`, `U&'…'`: `''` is a quote.
    Standard,
    /// `E'…'`: `''` is a quote and a backslash takes the next byte with it.
    Escapes,
    /// `B'…'`, `X'…'`: the first quote ends it (`''` starts another string).
    Bits,
}

/// The end of the string whose opening quote is at `quote`, with its continuations.
fn string_end(bytes: &[u8], quote: usize, quoting: Quoting) -> Result<usize, LexError> {
    let unterminated = LexError::Unterminated { what: "string" };
    let mut i = quote + 1;
    loop {
        match bytes.get(i) {
            None => return Err(unterminated),
            Some(b'\\') if quoting == Quoting::Escapes => i += 2,
            Some(b'\'') if quoting != Quoting::Bits && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            Some(b'\'') => match continuation(bytes, i + 1) {
                Some(next_quote) => i = next_quote + 1,
                None => return Ok(i + 1),
            },
            Some(_) => i += 1,
        }
    }
}

/// Where the next part of a continued string opens: after `end`, horizontal whitespace,
/// a newline, then any whitespace and `--` comments, then a quote.
fn continuation(bytes: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    let mut newline = false;
    while let Some(&b) = bytes.get(i) {
        if is_newline(b) {
            newline = true;
            i += 1;
        } else if is_space(b) {
            i += 1;
        } else if newline && b == b'-' && bytes.get(i + 1) == Some(&b'-') {
            i = line_comment_end(bytes, i);
        } else {
            break;
        }
    }
    (newline && bytes.get(i) == Some(&b'\'')).then_some(i)
}

fn quoted_name_end(bytes: &[u8], quote: usize) -> Result<usize, LexError> {
    let mut i = quote + 1;
    loop {
        match bytes.get(i) {
            None => {
                return Err(LexError::Unterminated {
                    what: "quoted name",
                })
            }
            Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
            Some(b'"') if i == quote + 1 => return Err(LexError::Unexpected { offset: quote }),
            Some(b'"') => return Ok(i + 1),
            Some(_) => i += 1,
        }
    }
}

/// A `$N` parameter or a `$tag$…$tag$` string.
fn dollar(bytes: &[u8], start: usize) -> Result<(Kind, usize), LexError> {
    let unexpected = LexError::Unexpected { offset: start };
    let mut i = start + 1;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        // `$1abc` is an error in PostgreSQL ("trailing junk after parameter").
        if bytes.get(i).is_some_and(|&b| continues_word(b)) {
            return Err(unexpected);
        }
        return Ok((Kind::Parameter, i));
    }
    if bytes.get(i).is_some_and(|&b| starts_word(b)) {
        while bytes.get(i).is_some_and(|&b| continues_tag(b)) {
            i += 1;
        }
    }
    if bytes.get(i) != Some(&b'$') {
        return Err(unexpected);
    }
    let delimiter = &bytes[start..=i];
    let body = i + 1;
    let close = bytes
        .get(body..)
        .and_then(|rest| rest.windows(delimiter.len()).position(|w| w == delimiter))
        .ok_or(LexError::Unterminated {
            what: "dollar-quoted string",
        })?;
    Ok((Kind::Text, body + close + delimiter.len()))
}

/// A decimal number: digits, an optional fraction and exponent. Letters, digits or `_`
/// right after it are an error, as in PostgreSQL ("trailing junk").
fn number_end(bytes: &[u8], start: usize) -> Result<usize, LexError> {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let mut i = start;
    while at(i).is_ascii_digit() {
        i += 1;
    }
    // `1..2` is the number 1 then `..`: a fraction needs no second dot.
    if at(i) == b'.' && at(i + 1) != b'.' {
        i += 1;
        while at(i).is_ascii_digit() {
            i += 1;
        }
    }
    if matches!(at(i), b'e' | b'E') {
        let digits = if matches!(at(i + 1), b'+' | b'-') {
            i + 2
        } else {
            i + 1
        };
        if at(digits).is_ascii_digit() {
            i = digits;
            while at(i).is_ascii_digit() {
                i += 1;
            }
        }
    }
    if continues_word(at(i)) || at(i) == b'.' {
        return Err(LexError::Unexpected { offset: start });
    }
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn strings_end_where_postgres_ends_them() {
        // A backslash is a plain character in a standard string, an escape in E'…'.
        assert_eq!(
            kinds(r"SELECT 'a\', 1"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Text, r"'a\'"),
                (Kind::Punct, ","),
                (Kind::Number, "1")
            ]
        );
        assert_eq!(
            kinds(r"SELECT E'a\', 1'"),
            [(Kind::Word, "SELECT"), (Kind::Text, r"E'a\', 1'")]
        );
        assert_eq!(
            kinds("SELECT 'it''s'"),
            [(Kind::Word, "SELECT"), (Kind::Text, "'it''s'")]
        );
        // A continuation keeps the first part's mode.
        assert_eq!(
            kinds("SELECT E'a'\n -- note\n '\\'; x'"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Text, "E'a'\n -- note\n '\\'; x'")
            ]
        );
        assert_eq!(
            kinds("SELECT 'a' 'b'").len(),
            3,
            "no newline, no continuation"
        );
        assert_eq!(
            kinds("SELECT U&'d\\0061t'"),
            [(Kind::Word, "SELECT"), (Kind::Text, "U&'d\\0061t'")]
        );
        assert_eq!(kinds("SELECT eab'x'").len(), 3, "a prefix is one letter");
    }

    #[test]
    fn dollars_are_strings_parameters_or_part_of_a_word() {
        assert_eq!(
            kinds("SELECT $$a;b$$"),
            [(Kind::Word, "SELECT"), (Kind::Text, "$$a;b$$")]
        );
        assert_eq!(
            kinds("SELECT $t$ $$ ; $T$ $t$"),
            [(Kind::Word, "SELECT"), (Kind::Text, "$t$ $$ ; $T$ $t$")]
        );
        assert_eq!(
            kinds("SELECT $1"),
            [(Kind::Word, "SELECT"), (Kind::Parameter, "$1")]
        );
        assert_eq!(
            kinds("SELECT x$$; DROP$$"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Word, "x$$"),
                (Kind::Punct, ";"),
                (Kind::Word, "DROP$$")
            ]
        );
        assert!(tokenize("SELECT $1a").is_err());
        assert!(tokenize("SELECT $a").is_err());
        assert!(tokenize("SELECT $a$ x").is_err());
    }

    #[test]
    fn comments_nest_and_operators_stop_before_them() {
        assert_eq!(
            kinds("SELECT /* a /* b */ ; */ 1"),
            [(Kind::Word, "SELECT"), (Kind::Number, "1")]
        );
        assert!(tokenize("SELECT /* a /* b */ 1").is_err());
        assert_eq!(
            kinds("SELECT 1 +-- c\n2"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Number, "1"),
                (Kind::Operator, "+"),
                (Kind::Number, "2")
            ]
        );
        assert_eq!(
            kinds("SELECT 1::text"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Number, "1"),
                (Kind::Punct, "::"),
                (Kind::Word, "text")
            ]
        );
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(
            kinds(r#"SELECT "a""b", U&"c""#),
            [
                (Kind::Word, "SELECT"),
                (Kind::QuotedName, r#""a""b""#),
                (Kind::Punct, ","),
                (Kind::QuotedName, r#"U&"c""#)
            ]
        );
        let quoted = tokenize(r#""Del""ete""#).unwrap();
        assert_eq!(
            quoted.first().and_then(Token::name).as_deref(),
            Some("Del\"ete")
        );
        assert!(
            tokenize(r#"SELECT """#).is_err(),
            "a zero-length name is an error"
        );
        assert_eq!(
            kinds("SELECT 1.5e-3, .5"),
            [
                (Kind::Word, "SELECT"),
                (Kind::Number, "1.5e-3"),
                (Kind::Punct, ","),
                (Kind::Number, ".5")
            ]
        );
        assert!(tokenize("SELECT 123abc").is_err());
        for refused in ["SELECT \\", "SELECT {", "SELECT \u{b}1", "SELECT \0"] {
            assert!(tokenize(refused).is_err(), "{refused:?}");
        }
    }
}
