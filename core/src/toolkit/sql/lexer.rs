//! A tokenizer for the SQLite dialect that splits text exactly where SQLite's own
//! tokenizer (`sqlite3GetToken` in `tokenize.c`) does, so that [`super::guard`] decides on
//! the same tokens the engine will parse.
//!
//! Exactness is the point: wherever this lexer and SQLite disagree on where a token ends,
//! text that one of them reads as a comment or a parameter is live SQL to the other.
//! The rules it reproduces, byte for byte:
//!
//! - **Whitespace** starts with space, tab, newline, form feed or carriage return, and
//!   continues with those and the vertical tab (which cannot start it). A byte-order mark
//!   (U+FEFF) where a token starts is whitespace too; inside a word it is part of the word.
//! - **Words** start with an ASCII letter, `_` or any non-ASCII character and continue with
//!   letters, digits, `_`, `$` and any non-ASCII character.
//! - **Parameters**: `?` with optional digits; `:`, `@`, `#` or `$` followed by word
//!   characters, where `::` may appear between them and a `(…)` suffix (up to the first
//!   space or `)`) ends the name, as in SQLite's TCL variables.
//! - **Numbers**, decimal and `0x` hex, with `_` digit separators; identifier characters
//!   right after a number make it an error, as in SQLite.
//! - **Strings** `'…'`, **quoted identifiers** `"…"`, `` `…` `` (the quote doubled stands
//!   for itself) and `[…]` (no escape), **blob literals** `X'…'`.
//! - **Comments** `-- …` (to the end of the line) and `/* … */`; `/*` as the last two
//!   characters is a `/` and a `*`.
//!
//! It is stricter than SQLite in two places, both refusals: a block comment that runs to
//! the end of the input (SQLite accepts it) and a NUL character anywhere (SQLite stops
//! reading there, so whatever follows would go unread by the parser but not by us).
//!
//! The lexer works on bytes, and every token boundary falls on an ASCII byte or the end
//! of a multi-byte character, so no input can make it slice inside a UTF-8 sequence.

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Spaces, tabs, newlines, form and line feeds, carriage returns, byte-order marks.
    Whitespace,
    /// `-- …` up to, not including, the end of the line.
    LineComment,
    /// `/* … */`.
    BlockComment,
    /// `'…'`, where `''` stands for one quote.
    String,
    /// `"…"` or `` `…` `` (the quote doubled stands for itself) or `[…]`: always a name,
    /// never a keyword.
    QuotedIdentifier,
    /// `X'…'`: an even number of hex digits.
    Blob,
    /// `42`, `3.14`, `.5`, `1e-3`, `0x1F`, `1_000`.
    Number,
    /// `?`, `?NNN`, `:name`, `@name`, `#name`, `$name`, `$a::b`, `:name(…)`.
    Parameter,
    /// A keyword or a bare identifier; which one depends on the grammar, so callers compare
    /// it ASCII case-insensitively with [`Token::is_keyword`].
    Word,
    /// `;`, the statement separator.
    Semicolon,
    /// Any other operator or punctuation: `(`, `)`, `,`, `.`, `=`, `<>`, `||`, `->>`, ….
    Punct,
}

/// One token: its kind, its exact source text and the byte offset where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// What the token is.
    pub(crate) kind: TokenKind,
    /// The token exactly as written, quotes and comment markers included.
    pub(crate) text: &'a str,
    /// Byte offset of the token's first character in the input.
    pub(crate) offset: usize,
}

impl Token<'_> {
    /// Whitespace or a comment: nothing the statement means.
    pub(crate) fn is_trivia(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }

    /// Whether this is the bare word `keyword`, compared ASCII case-insensitively. Quoted
    /// identifiers, strings and parameters never are.
    pub(crate) fn is_keyword(&self, keyword: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(keyword)
    }

    /// Whether this is the operator or punctuation `punct`.
    pub(crate) fn is_punct(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }

    /// The name this token stands for where SQLite expects a name: a bare word as written,
    /// a quoted identifier or a string without its quotes (doubled quotes undone); `None`
    /// for every other kind.
    pub(crate) fn name(&self) -> Option<String> {
        match self.kind {
            TokenKind::Word => Some(self.text.to_owned()),
            TokenKind::QuotedIdentifier | TokenKind::String => {
                let mut chars = self.text.chars();
                let open = chars.next()?;
                let close = match open {
                    '[' => ']',
                    other => other,
                };
                let inner = chars.as_str().strip_suffix(close).unwrap_or(chars.as_str());
                if open == '[' {
                    return Some(inner.to_owned());
                }
                let mut name = String::with_capacity(inner.len());
                let mut iter = inner.chars().peekable();
                while let Some(c) = iter.next() {
                    name.push(c);
                    if c == close && iter.peek() == Some(&close) {
                        iter.next();
                    }
                }
                Some(name)
            }
            _ => None,
        }
    }
}

/// Why a text cannot be tokenized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexError {
    /// A string literal, quoted identifier, blob literal or block comment runs to the end
    /// of the input.
    Unterminated {
        /// What is left open: `"string literal"`, `"quoted identifier"`, `"blob literal"`
        /// or `"block comment"`.
        what: &'static str,
        /// Byte offset where it opens.
        offset: usize,
    },
    /// A blob literal `X'…'` whose contents are not an even number of hex digits.
    InvalidBlob {
        /// Byte offset of the `X`.
        offset: usize,
    },
    /// A character that starts no token, or that may not directly follow the token before
    /// it (a letter right after a number, a `_` that separates no digits, a lone `!`, a
    /// parameter sigil with no name).
    Unrecognized {
        /// The character.
        character: char,
        /// Its byte offset.
        offset: usize,
    },
}

/// Splits `sql` into tokens, whitespace and comments included, so the tokens' texts
/// concatenate back to `sql`.
///
/// # Errors
/// When something is left unterminated, a blob literal is malformed, or a character starts
/// no SQLite token (SQLite's `TK_ILLEGAL`).
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, LexError> {
    if let Some(offset) = sql.find('\0') {
        return Err(LexError::Unrecognized {
            character: '\0',
            offset,
        });
    }
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let (kind, len) = token_at(bytes, offset).map_err(|err| err.at(sql))?;
        // Token ends fall on ASCII bytes or after whole characters, so this never fails;
        // an error here would be a lexer bug, refused rather than panicking.
        let text = sql
            .get(offset..offset + len)
            .ok_or_else(|| Failure::Unrecognized(offset).at(sql))?;
        tokens.push(Token { kind, text, offset });
        offset += len;
    }
    Ok(tokens)
}

/// `sql` without its final `;` and the whitespace and comments after it, so a statement a
/// guard accepted can be embedded in a larger one; `sql` unchanged when it does not end
/// with a `;` or cannot be tokenized.
pub(crate) fn without_trailing_semicolon(sql: &str) -> &str {
    let Ok(tokens) = tokenize(sql) else {
        return sql;
    };
    match tokens.iter().rev().find(|t| !t.is_trivia()) {
        Some(last) if last.kind == TokenKind::Semicolon => sql.get(..last.offset).unwrap_or(sql),
        _ => sql,
    }
}

/// A lexer error before it knows its character: the byte offset, and what to say.
#[derive(Debug, Clone, Copy)]
enum Failure {
    Unterminated(&'static str, usize),
    InvalidBlob(usize),
    Unrecognized(usize),
}

impl Failure {
    fn at(self, sql: &str) -> LexError {
        match self {
            Failure::Unterminated(what, offset) => LexError::Unterminated { what, offset },
            Failure::InvalidBlob(offset) => LexError::InvalidBlob { offset },
            Failure::Unrecognized(offset) => LexError::Unrecognized {
                character: sql
                    .get(offset..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or('\0'),
                offset,
            },
        }
    }
}

/// The byte-order mark U+FEFF in UTF-8.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// A byte that starts whitespace (SQLite's `CC_SPACE` class).
fn starts_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0c | b'\r')
}

/// A byte that continues whitespace (SQLite's `sqlite3Isspace`): also the vertical tab.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A byte of a word or parameter name (SQLite's `IdChar`).
fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The kind and byte length of the token at `start`; `bytes[start]` exists and no byte is
/// NUL.
fn token_at(bytes: &[u8], start: usize) -> Result<(TokenKind, usize), Failure> {
    // Bytes past the end read as NUL, as they do in SQLite's NUL-terminated input.
    let at = |i: usize| bytes.get(start + i).copied().unwrap_or(0);
    let run = |from: usize, accept: &dyn Fn(u8) -> bool| {
        let mut i = from;
        while at(i) != 0 && accept(at(i)) {
            i += 1;
        }
        i
    };
    let first = at(0);
    let punct = |len: usize| Ok((TokenKind::Punct, len));
    match first {
        b if starts_space(b) => Ok((TokenKind::Whitespace, run(1, &is_space))),
        0xEF if at(1) == BOM[1] && at(2) == BOM[2] => Ok((TokenKind::Whitespace, 3)),
        b'-' if at(1) == b'-' => Ok((TokenKind::LineComment, run(2, &|b| b != b'\n'))),
        b'-' if at(1) == b'>' => punct(if at(2) == b'>' { 3 } else { 2 }),
        b'/' if at(1) == b'*' && at(2) != 0 => {
            let mut i = 2;
            loop {
                match at(i) {
                    0 => return Err(Failure::Unterminated("block comment", start)),
                    b'*' if at(i + 1) == b'/' => return Ok((TokenKind::BlockComment, i + 2)),
                    _ => i += 1,
                }
            }
        }
        b'(' | b')' | b'+' | b'*' | b'/' | b'%' | b',' | b'&' | b'~' | b'-' => punct(1),
        b';' => Ok((TokenKind::Semicolon, 1)),
        b'=' => punct(if at(1) == b'=' { 2 } else { 1 }),
        b'<' => punct(if matches!(at(1), b'=' | b'>' | b'<') {
            2
        } else {
            1
        }),
        b'>' => punct(if matches!(at(1), b'=' | b'>') { 2 } else { 1 }),
        b'!' if at(1) == b'=' => punct(2),
        b'|' => punct(if at(1) == b'|' { 2 } else { 1 }),
        b'\'' | b'"' | b'`' => {
            let mut i = 1;
            loop {
                match at(i) {
                    0 => {
                        let what = if first == b'\'' {
                            "string literal"
                        } else {
                            "quoted identifier"
                        };
                        return Err(Failure::Unterminated(what, start));
                    }
                    c if c == first && at(i + 1) == first => i += 2,
                    c if c == first => break,
                    _ => i += 1,
                }
            }
            let kind = if first == b'\'' {
                TokenKind::String
            } else {
                TokenKind::QuotedIdentifier
            };
            Ok((kind, i + 1))
        }
        b'[' => {
            let close = run(1, &|b| b != b']');
            if at(close) == b']' {
                Ok((TokenKind::QuotedIdentifier, close + 1))
            } else {
                Err(Failure::Unterminated("quoted identifier", start))
            }
        }
        b'.' if at(1).is_ascii_digit() => number(&at, start),
        b'.' => punct(1),
        b'0'..=b'9' => number(&at, start),
        b'?' => Ok((TokenKind::Parameter, run(1, &|b| b.is_ascii_digit()))),
        b'$' | b'@' | b'#' | b':' => parameter(&at, start),
        b'x' | b'X' if at(1) == b'\'' => {
            let digits = run(2, &|b| b.is_ascii_hexdigit());
            if at(digits) == b'\'' && digits % 2 == 0 {
                Ok((TokenKind::Blob, digits + 1))
            } else if run(digits, &|b| b != b'\'') == bytes.len() - start {
                Err(Failure::Unterminated("blob literal", start))
            } else {
                Err(Failure::InvalidBlob(start))
            }
        }
        b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
            Ok((TokenKind::Word, run(1, &is_id_char)))
        }
        _ => Err(Failure::Unrecognized(start)),
    }
}

/// Reads a number at `start` (a digit, or a `.` and a digit), as SQLite does: digits with
/// `_` anywhere among them, then refused if a `_` does not stand between two digits or an
/// identifier character follows.
fn number(at: &dyn Fn(usize) -> u8, start: usize) -> Result<(TokenKind, usize), Failure> {
    let digits = |from: usize, is_digit: fn(&u8) -> bool| {
        let mut i = from;
        while is_digit(&at(i)) || at(i) == b'_' {
            i += 1;
        }
        i
    };
    let (i, is_digit): (usize, fn(&u8) -> bool) =
        if at(0) == b'0' && matches!(at(1), b'x' | b'X') && at(2).is_ascii_hexdigit() {
            (digits(3, u8::is_ascii_hexdigit), u8::is_ascii_hexdigit)
        } else {
            let mut i = digits(0, u8::is_ascii_digit);
            if at(i) == b'.' {
                i = digits(i + 1, u8::is_ascii_digit);
            }
            let exponent = matches!(at(i), b'e' | b'E')
                && (at(i + 1).is_ascii_digit()
                    || (matches!(at(i + 1), b'+' | b'-') && at(i + 2).is_ascii_digit()));
            if exponent {
                i = digits(i + 2, u8::is_ascii_digit);
            }
            (i, u8::is_ascii_digit)
        };
    // SQLite turns a number with letters glued to it into one illegal token.
    if is_id_char(at(i)) {
        return Err(Failure::Unrecognized(start + i));
    }
    // SQLite accepts a `_` only between two digits of the same number.
    for j in 0..i {
        if at(j) == b'_' && !(j > 0 && is_digit(&at(j - 1)) && is_digit(&at(j + 1))) {
            return Err(Failure::Unrecognized(start + j));
        }
    }
    Ok((TokenKind::Number, i))
}

/// Reads a named parameter at `start` (`$`, `@`, `#` or `:` then its name), as SQLite
/// does, TCL forms included.
fn parameter(at: &dyn Fn(usize) -> u8, start: usize) -> Result<(TokenKind, usize), Failure> {
    let mut named = false;
    let mut i = 1;
    loop {
        match at(i) {
            c if c != 0 && is_id_char(c) => {
                named = true;
                i += 1;
            }
            b'(' if named => {
                // `:name(…)`: everything up to the first space or `)` belongs to the name.
                i += 1;
                while at(i) != 0 && !is_space(at(i)) && at(i) != b')' {
                    i += 1;
                }
                if at(i) == b')' {
                    return Ok((TokenKind::Parameter, i + 1));
                }
                return Err(Failure::Unrecognized(start));
            }
            b':' if at(i + 1) == b':' => i += 2,
            _ => break,
        }
    }
    if named {
        Ok((TokenKind::Parameter, i))
    } else {
        Err(Failure::Unrecognized(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (kind, text) pairs of `sql`'s tokens.
    fn lex(sql: &str) -> Vec<(TokenKind, String)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.text.to_owned()))
            .collect()
    }

    /// The (kind, text) pairs of `sql`'s tokens without whitespace and comments.
    fn significant(sql: &str) -> Vec<(TokenKind, String)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, t.text.to_owned()))
            .collect()
    }

    #[test]
    fn single_tokens() {
        use TokenKind::*;
        let cases: &[(&str, TokenKind)] = &[
            (" \t\r\n\x0c", Whitespace),
            ("-- a comment; DROP TABLE x", LineComment),
            ("--", LineComment),
            ("/* c; DELETE */", BlockComment),
            ("/**/", BlockComment),
            ("/* nested /* is not */", BlockComment),
            ("'it''s; DROP TABLE x'", String),
            ("''", String),
            ("'--'", String),
            ("'/*'", String),
            ("'é😀'", String),
            ("\"delete\"", QuotedIdentifier),
            ("\"a\"\"b\"", QuotedIdentifier),
            ("[update]", QuotedIdentifier),
            ("[a\"b]", QuotedIdentifier),
            ("`drop`", QuotedIdentifier),
            ("`a``b`", QuotedIdentifier),
            ("X'0A1b'", Blob),
            ("x''", Blob),
            ("42", Number),
            ("3.14", Number),
            ("3.", Number),
            (".5", Number),
            ("1e10", Number),
            ("1E-3", Number),
            ("2.5e+7", Number),
            ("0x1F", Number),
            ("0XaB", Number),
            ("1_000_000", Number),
            ("?", Parameter),
            ("?12", Parameter),
            (":name", Parameter),
            (":1", Parameter),
            ("@delete", Parameter),
            ("$drop", Parameter),
            ("$a::b::c", Parameter),
            ("SELECT", Word),
            ("select", Word),
            ("created_at", Word),
            ("_x", Word),
            ("a$b", Word),
            ("x", Word),
            ("X", Word),
            ("xy", Word),
            ("é", Word),
            ("日本語", Word),
            (";", Semicolon),
            ("(", Punct),
            (")", Punct),
            (",", Punct),
            (".", Punct),
            ("*", Punct),
            ("/", Punct),
            ("%", Punct),
            ("+", Punct),
            ("-", Punct),
            ("->", Punct),
            ("->>", Punct),
            ("=", Punct),
            ("==", Punct),
            ("!=", Punct),
            ("<>", Punct),
            ("<", Punct),
            ("<=", Punct),
            ("<<", Punct),
            (">", Punct),
            (">=", Punct),
            (">>", Punct),
            ("|", Punct),
            ("||", Punct),
            ("&", Punct),
            ("~", Punct),
        ];
        for &(sql, kind) in cases {
            assert_eq!(lex(sql), vec![(kind, sql.to_owned())], "{sql:?}");
        }
    }

    #[test]
    fn sequences() {
        use TokenKind::*;
        let w = |s: &str| (Word, s.to_owned());
        let p = |s: &str| (Punct, s.to_owned());
        let cases: Vec<(&str, Vec<(TokenKind, std::string::String)>)> = vec![
            (
                "SELECT 1;",
                vec![w("SELECT"), (Number, "1".into()), (Semicolon, ";".into())],
            ),
            ("a.b", vec![w("a"), p("."), w("b")]),
            ("t.'x'", vec![w("t"), p("."), (String, "'x'".into())]),
            ("x 'ab'", vec![w("x"), (String, "'ab'".into())]),
            (
                "1-2",
                vec![(Number, "1".into()), p("-"), (Number, "2".into())],
            ),
            ("a--b\nc", vec![w("a"), w("c")]),
            ("a/**/b", vec![w("a"), w("b")]),
            ("1.2.3", vec![(Number, "1.2".into()), (Number, ".3".into())]),
            ("a||b", vec![w("a"), p("||"), w("b")]),
            (
                "j->>'$.a'",
                vec![w("j"), p("->>"), (String, "'$.a'".into())],
            ),
            (
                "f(?1,:a)",
                vec![
                    w("f"),
                    p("("),
                    (Parameter, "?1".into()),
                    p(","),
                    (Parameter, ":a".into()),
                    p(")"),
                ],
            ),
            ("a<>b", vec![w("a"), p("<>"), w("b")]),
            ("\"a\"\"\"", vec![(QuotedIdentifier, "\"a\"\"\"".into())]),
            (
                "'a''' 'b'",
                vec![(String, "'a'''".into()), (String, "'b'".into())],
            ),
            ("1 e", vec![(Number, "1".into()), w("e")]),
        ];
        for (sql, expected) in cases {
            assert_eq!(significant(sql), expected, "{sql:?}");
        }
    }

    #[test]
    fn splits_where_sqlite_does() {
        use TokenKind::*;
        let w = |s: &str| (Word, s.to_owned());
        let p = |s: &str| (Punct, s.to_owned());
        let cases: Vec<(&str, Vec<(TokenKind, std::string::String)>)> = vec![
            // A byte-order mark where a token starts is whitespace, so the word after it
            // stands alone; inside a word it is part of the word.
            (
                "1,\u{feff}load_extension(",
                vec![(Number, "1".into()), p(","), w("load_extension"), p("(")],
            ),
            ("\u{feff}\u{feff}x", vec![w("x")]),
            ("a\u{feff}b", vec![w("a\u{feff}b")]),
            // TCL variables: `(…)` up to the first space or `)` is part of the name.
            (":a(/*) x", vec![(Parameter, ":a(/*)".into()), w("x")]),
            ("$a(--)", vec![(Parameter, "$a(--)".into())]),
            ("@a::b(')", vec![(Parameter, "@a::b(')".into())]),
            ("#a", vec![(Parameter, "#a".into())]),
            ("$::a", vec![(Parameter, "$::a".into())]),
            (
                ":a:b",
                vec![(Parameter, ":a".into()), (Parameter, ":b".into())],
            ),
            // `/*` as the last two characters is a slash and a star.
            ("1/*", vec![(Number, "1".into()), p("/"), p("*")]),
            // The vertical tab continues whitespace, though it cannot start it.
            ("a \x0bb", vec![w("a"), w("b")]),
            ("x'00'y", vec![(Blob, "x'00'".into()), w("y")]),
            ("a$b$", vec![w("a$b$")]),
            ("é$1", vec![w("é$1")]),
            ("0x1_F", vec![(Number, "0x1_F".into())]),
        ];
        for (sql, expected) in cases {
            assert_eq!(significant(sql), expected, "{sql:?}");
        }
        assert_eq!(
            lex("\u{feff} \x0b"),
            vec![
                (Whitespace, "\u{feff}".into()),
                (Whitespace, " \x0b".into())
            ]
        );
    }

    #[test]
    fn refuses_what_sqlite_calls_illegal() {
        for sql in [
            ":a( x)", "$a(", "$a(b", "::a", "1__0", "1_.5", "0x_1", "1e_5", "\x0bx", "a\0b",
            "X'0g'", "]", "\\", "^", "{", "}", "\x7f", "\x01",
        ] {
            assert!(tokenize(sql).is_err(), "{sql:?}");
        }
        assert_eq!(significant("_1"), vec![(TokenKind::Word, "_1".to_owned())]);
    }

    #[test]
    fn texts_concatenate_back_to_the_input() {
        let sql =
            "SELECT \"a\"\"b\", [c d], `e`, 'f''g', X'00', 1.5e3, ?1, :p -- x\n/* y */ FROM t;";
        let tokens = tokenize(sql).unwrap();
        assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), sql);
        for token in &tokens {
            assert_eq!(
                sql.get(token.offset..token.offset + token.text.len()),
                Some(token.text)
            );
        }
    }

    #[test]
    fn offsets_count_bytes() {
        let tokens = tokenize("'é' x").unwrap();
        assert_eq!(tokens[2].offset, 5);
    }

    #[test]
    fn errors() {
        let cases: &[(&str, LexError)] = &[
            (
                "'abc",
                LexError::Unterminated {
                    what: "string literal",
                    offset: 0,
                },
            ),
            (
                "SELECT 'it''s",
                LexError::Unterminated {
                    what: "string literal",
                    offset: 7,
                },
            ),
            (
                "'",
                LexError::Unterminated {
                    what: "string literal",
                    offset: 0,
                },
            ),
            (
                "\"abc",
                LexError::Unterminated {
                    what: "quoted identifier",
                    offset: 0,
                },
            ),
            (
                "`abc",
                LexError::Unterminated {
                    what: "quoted identifier",
                    offset: 0,
                },
            ),
            (
                "[abc",
                LexError::Unterminated {
                    what: "quoted identifier",
                    offset: 0,
                },
            ),
            (
                "/* abc",
                LexError::Unterminated {
                    what: "block comment",
                    offset: 0,
                },
            ),
            (
                "/*/",
                LexError::Unterminated {
                    what: "block comment",
                    offset: 0,
                },
            ),
            (
                "a /* b *",
                LexError::Unterminated {
                    what: "block comment",
                    offset: 2,
                },
            ),
            (
                "X'00",
                LexError::Unterminated {
                    what: "blob literal",
                    offset: 0,
                },
            ),
            ("X'0'", LexError::InvalidBlob { offset: 0 }),
            ("X'zz'", LexError::InvalidBlob { offset: 0 }),
            (
                "#",
                LexError::Unrecognized {
                    character: '#',
                    offset: 0,
                },
            ),
            (
                "a \\ b",
                LexError::Unrecognized {
                    character: '\\',
                    offset: 2,
                },
            ),
            (
                "a ! b",
                LexError::Unrecognized {
                    character: '!',
                    offset: 2,
                },
            ),
            (
                "{",
                LexError::Unrecognized {
                    character: '{',
                    offset: 0,
                },
            ),
            (
                "^",
                LexError::Unrecognized {
                    character: '^',
                    offset: 0,
                },
            ),
            (
                "\0",
                LexError::Unrecognized {
                    character: '\0',
                    offset: 0,
                },
            ),
            (
                "\x0b",
                LexError::Unrecognized {
                    character: '\x0b',
                    offset: 0,
                },
            ),
            (
                ":",
                LexError::Unrecognized {
                    character: ':',
                    offset: 0,
                },
            ),
            (
                ": a",
                LexError::Unrecognized {
                    character: ':',
                    offset: 0,
                },
            ),
            (
                "@",
                LexError::Unrecognized {
                    character: '@',
                    offset: 0,
                },
            ),
            (
                "$",
                LexError::Unrecognized {
                    character: '$',
                    offset: 0,
                },
            ),
            (
                "1abc",
                LexError::Unrecognized {
                    character: 'a',
                    offset: 1,
                },
            ),
            (
                "1DELETE",
                LexError::Unrecognized {
                    character: 'D',
                    offset: 1,
                },
            ),
            (
                "1e",
                LexError::Unrecognized {
                    character: 'e',
                    offset: 1,
                },
            ),
            (
                "0x",
                LexError::Unrecognized {
                    character: 'x',
                    offset: 1,
                },
            ),
            (
                "1_",
                LexError::Unrecognized {
                    character: '_',
                    offset: 1,
                },
            ),
            (
                "1é",
                LexError::Unrecognized {
                    character: 'é',
                    offset: 1,
                },
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(tokenize(sql), Err(*expected), "{sql:?}");
        }
    }

    #[test]
    fn names() {
        let cases: &[(&str, Option<&str>)] = &[
            ("delete", Some("delete")),
            ("\"delete\"", Some("delete")),
            ("\"a\"\"b\"", Some("a\"b")),
            ("`a``b`", Some("a`b")),
            ("[a]]", None), // `[a]` then a lone `]`, which starts no token
            ("[up date]", Some("up date")),
            ("'load_extension'", Some("load_extension")),
            ("42", None),
            ("?", None),
        ];
        for &(sql, expected) in cases {
            let Ok(tokens) = tokenize(sql) else {
                assert_eq!(expected, None, "{sql:?}");
                continue;
            };
            assert_eq!(tokens.len(), 1, "{sql:?}");
            assert_eq!(tokens[0].name().as_deref(), expected, "{sql:?}");
        }
    }

    #[test]
    fn keywords_compare_case_insensitively_and_only_on_words() {
        fn token(sql: &str) -> Token<'_> {
            tokenize(sql).unwrap().remove(0)
        }
        assert!(token("sElEcT").is_keyword("SELECT"));
        assert!(!token("\"select\"").is_keyword("SELECT"));
        assert!(!token("'select'").is_keyword("SELECT"));
        assert!(!token("selected").is_keyword("SELECT"));
        assert!(!token(":select").is_keyword("SELECT"));
        assert!(token("(").is_punct("("));
        assert!(!token("'('").is_punct("("));
    }

    #[test]
    fn trailing_semicolons_come_off() {
        let cases = [
            ("SELECT 1;", "SELECT 1"),
            ("SELECT 1 ;  -- done\n /* ok */ ", "SELECT 1 "),
            ("SELECT 1 -- c\n;", "SELECT 1 -- c\n"),
            ("SELECT ';'", "SELECT ';'"),
            ("SELECT 1 -- ;", "SELECT 1 -- ;"),
            ("SELECT 1 /* ; */", "SELECT 1 /* ; */"),
            ("SELECT 'é';", "SELECT 'é'"),
            ("SELECT 1;;", "SELECT 1;"),
            (";", ""),
            ("", ""),
            ("'unterminated;", "'unterminated;"),
        ];
        for (sql, expected) in cases {
            assert_eq!(without_trailing_semicolon(sql), expected, "{sql:?}");
        }
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
            "/",
            "/*",
            "*/",
            "-",
            "--",
            "x",
            "X'",
            "x'a",
            "0",
            "0x",
            "0x_",
            "1.",
            ".",
            "..",
            "1e+",
            "1e-x",
            "?",
            "??",
            "?a",
            ":",
            "::",
            "$::",
            "$a::",
            "@",
            "\\",
            "\\'",
            "'\\'",
            "\0",
            "a\0b",
            "'\0'",
            "é",
            "'é",
            "\"é",
            "[é",
            "`é",
            "X'é'",
            "1é",
            "😀",
            "é😀'",
            "\u{feff}SELECT",
            "\u{a0}",
            "\u{200b}",
            "ß",
            "İ",
            "'''",
            "''''",
            "\"\"\"",
            "[[]]",
            "/*/*/",
            "-->",
            "->>>",
            "<<=",
            "!==",
            "!",
            "|||",
            "1__0",
            "1_e5",
            "0x1_",
            "\r\n",
            "\x0b\x0c",
            "\u{10ffff}",
            "a\u{301}",
            "'\u{d7ff}'",
        ];
        for input in inputs {
            let _ = tokenize(input);
            let _ = without_trailing_semicolon(input);
            for (i, _) in input.char_indices() {
                let _ = tokenize(&input[i..]);
                let _ = tokenize(&input[..i]);
            }
        }
        // Every string of up to three characters from an alphabet of awkward ones.
        let alphabet = [
            '\'', '"', '`', '[', ']', '/', '*', '-', 'x', '0', '.', 'e', '_', ':', '$', '?', 'é',
            '\0', ' ', '\n',
        ];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let s: String = [a, b, c].iter().collect();
                    let _ = without_trailing_semicolon(&s);
                    if let Ok(tokens) = tokenize(&s) {
                        assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), s);
                    }
                }
            }
        }
    }
}
