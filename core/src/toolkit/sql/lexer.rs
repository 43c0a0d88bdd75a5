//! A tokenizer for the SQLite dialect, precise enough for [`super::guard`] to decide on
//! tokens instead of raw text: comments, string literals and quoted identifiers come out
//! as single tokens, so nothing inside them can pass for a keyword.
//!
//! It follows SQLite's own tokenizer (`tokenize.c`) where that matters for safety: the
//! same whitespace, the same identifier characters (every non-ASCII character is one), and
//! a number directly followed by identifier characters is an error, as it is in SQLite.
//! It is stricter in one place: a block comment that runs to the end of the input is an
//! error here.
//!
//! The lexer walks `char`s and builds each token's text char by char, so no input can make
//! it slice inside a UTF-8 sequence or panic.

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Spaces, tabs, newlines, form feeds and carriage returns.
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
    /// `?`, `?NNN`, `:name`, `@name`, `$name`.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// What the token is.
    pub(crate) kind: TokenKind,
    /// The token exactly as written, quotes and comment markers included.
    pub(crate) text: String,
    /// Byte offset of the token's first character in the input.
    pub(crate) offset: usize,
}

impl Token {
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
            TokenKind::Word => Some(self.text.clone()),
            TokenKind::QuotedIdentifier | TokenKind::String => {
                let mut chars = self.text.chars();
                let open = chars.next()?;
                let close = match open {
                    '[' => ']',
                    other => other,
                };
                let inner: Vec<char> = chars.collect();
                let inner = inner.strip_suffix(&[close]).unwrap_or(&inner);
                let mut name = String::with_capacity(inner.len());
                let mut iter = inner.iter().copied().peekable();
                while let Some(c) = iter.next() {
                    name.push(c);
                    if open != '[' && c == close && iter.peek() == Some(&close) {
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
    /// it (a letter right after a number, a lone `!` or `:`).
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
/// no SQLite token.
pub(crate) fn tokenize(sql: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer {
        chars: sql.char_indices().collect(),
        pos: 0,
        len: sql.len(),
        text: String::new(),
    };
    let mut tokens = Vec::new();
    while let Some(first) = lexer.peek(0) {
        let offset = lexer.offset();
        lexer.text.clear();
        let kind = lexer.token(first, offset)?;
        tokens.push(Token {
            kind,
            text: std::mem::take(&mut lexer.text),
            offset,
        });
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

/// SQLite's whitespace: space, tab, newline, form feed, carriage return (not vertical tab).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r')
}

/// A character that may start a bare word: a letter, `_`, or any non-ASCII character.
fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()
}

/// A character that may continue a bare word (SQLite's `IdChar`).
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// The state of one [`tokenize`] run.
struct Lexer {
    /// Every character of the input with its byte offset.
    chars: Vec<(usize, char)>,
    /// Index into `chars` of the next character.
    pos: usize,
    /// Byte length of the input.
    len: usize,
    /// The text of the token being read.
    text: String,
}

impl Lexer {
    /// The character `ahead` places after the next one, if any.
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars
            .get(self.pos.saturating_add(ahead))
            .map(|&(_, c)| c)
    }

    /// Byte offset of the next character (the input's length at the end).
    fn offset(&self) -> usize {
        self.chars
            .get(self.pos)
            .map_or(self.len, |&(offset, _)| offset)
    }

    /// Moves past the next character, appending it to the token's text.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.text.push(c);
        self.pos += 1;
        Some(c)
    }

    /// Moves past characters while `accept` holds.
    fn bump_while(&mut self, accept: impl Fn(char) -> bool) {
        while self.peek(0).is_some_and(&accept) {
            self.bump();
        }
    }

    /// Reads the token starting with `first` at byte `offset`.
    fn token(&mut self, first: char, offset: usize) -> Result<TokenKind, LexError> {
        let second = self.peek(1);
        match first {
            c if is_space(c) => {
                self.bump_while(is_space);
                Ok(TokenKind::Whitespace)
            }
            '-' if second == Some('-') => {
                self.bump_while(|c| c != '\n');
                Ok(TokenKind::LineComment)
            }
            '/' if second == Some('*') => {
                self.bump();
                self.bump();
                loop {
                    match self.bump() {
                        None => {
                            return Err(LexError::Unterminated {
                                what: "block comment",
                                offset,
                            })
                        }
                        Some('*') if self.peek(0) == Some('/') => {
                            self.bump();
                            return Ok(TokenKind::BlockComment);
                        }
                        Some(_) => {}
                    }
                }
            }
            '\'' => {
                self.quoted('\'', "string literal", offset)?;
                Ok(TokenKind::String)
            }
            '"' | '`' => {
                self.quoted(first, "quoted identifier", offset)?;
                Ok(TokenKind::QuotedIdentifier)
            }
            '[' => {
                self.bump();
                loop {
                    match self.bump() {
                        None => {
                            return Err(LexError::Unterminated {
                                what: "quoted identifier",
                                offset,
                            })
                        }
                        Some(']') => return Ok(TokenKind::QuotedIdentifier),
                        Some(_) => {}
                    }
                }
            }
            'x' | 'X' if second == Some('\'') => self.blob(offset),
            '0'..='9' => self.number(),
            '.' if second.is_some_and(|c| c.is_ascii_digit()) => self.number(),
            '?' => {
                self.bump();
                self.bump_while(|c| c.is_ascii_digit());
                Ok(TokenKind::Parameter)
            }
            ':' | '@' | '$' => self.named_parameter(first, offset),
            c if is_word_start(c) => {
                self.bump_while(is_word_char);
                Ok(TokenKind::Word)
            }
            ';' => {
                self.bump();
                Ok(TokenKind::Semicolon)
            }
            _ => self.punct(first, second, offset),
        }
    }

    /// Reads a literal opened and closed by `quote`, where the quote doubled stands for
    /// itself.
    fn quoted(&mut self, quote: char, what: &'static str, offset: usize) -> Result<(), LexError> {
        self.bump();
        loop {
            match self.bump() {
                None => return Err(LexError::Unterminated { what, offset }),
                Some(c) if c == quote => {
                    if self.peek(0) == Some(quote) {
                        self.bump();
                    } else {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// Reads `X'…'`.
    fn blob(&mut self, offset: usize) -> Result<TokenKind, LexError> {
        self.bump();
        self.bump();
        let mut odd = false;
        let mut all_hex = true;
        loop {
            match self.bump() {
                None => {
                    return Err(LexError::Unterminated {
                        what: "blob literal",
                        offset,
                    })
                }
                Some('\'') => break,
                Some(c) => {
                    odd = !odd;
                    all_hex &= c.is_ascii_hexdigit();
                }
            }
        }
        if all_hex && !odd {
            Ok(TokenKind::Blob)
        } else {
            Err(LexError::InvalidBlob { offset })
        }
    }

    /// Reads a number; the next character is a digit, or a `.` followed by one.
    fn number(&mut self) -> Result<TokenKind, LexError> {
        let hex_prefix = self.peek(0) == Some('0') && matches!(self.peek(1), Some('x' | 'X'));
        if hex_prefix && self.peek(2).is_some_and(|c| c.is_ascii_hexdigit()) {
            self.bump();
            self.bump();
            self.digits(|c| c.is_ascii_hexdigit());
        } else {
            self.digits(|c| c.is_ascii_digit());
            if self.peek(0) == Some('.') {
                self.bump();
                self.digits(|c| c.is_ascii_digit());
            }
            let exponent = matches!(self.peek(0), Some('e' | 'E'))
                && match self.peek(1) {
                    Some('+' | '-') => self.peek(2).is_some_and(|c| c.is_ascii_digit()),
                    next => next.is_some_and(|c| c.is_ascii_digit()),
                };
            if exponent {
                self.bump();
                if matches!(self.peek(0), Some('+' | '-')) {
                    self.bump();
                }
                self.digits(|c| c.is_ascii_digit());
            }
        }
        match self.peek(0) {
            Some(c) if is_word_char(c) => Err(LexError::Unrecognized {
                character: c,
                offset: self.offset(),
            }),
            _ => Ok(TokenKind::Number),
        }
    }

    /// Reads digits, with single `_` separators between them.
    fn digits(&mut self, is_digit: impl Fn(char) -> bool) {
        while let Some(c) = self.peek(0) {
            if is_digit(c) || (c == '_' && self.peek(1).is_some_and(&is_digit)) {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Reads `:name`, `@name` or `$name` (the last also with `::` separated parts, as in
    /// SQLite's TCL variables).
    fn named_parameter(&mut self, sigil: char, offset: usize) -> Result<TokenKind, LexError> {
        if !self.peek(1).is_some_and(is_word_char) {
            return Err(LexError::Unrecognized {
                character: sigil,
                offset,
            });
        }
        self.bump();
        self.bump_while(is_word_char);
        if sigil == '$' {
            while self.peek(0) == Some(':') && self.peek(1) == Some(':') {
                self.bump();
                self.bump();
                self.bump_while(is_word_char);
            }
        }
        Ok(TokenKind::Parameter)
    }

    /// Reads an operator or punctuation mark, longest match first.
    fn punct(
        &mut self,
        first: char,
        second: Option<char>,
        offset: usize,
    ) -> Result<TokenKind, LexError> {
        let third = self.peek(2);
        let len = match (first, second, third) {
            ('-', Some('>'), Some('>')) => 3,
            ('-', Some('>'), _)
            | ('=', Some('='), _)
            | ('<', Some('=' | '>' | '<'), _)
            | ('>', Some('=' | '>'), _)
            | ('!', Some('='), _)
            | ('|', Some('|'), _) => 2,
            (
                '(' | ')' | ',' | '.' | '+' | '-' | '*' | '/' | '%' | '=' | '<' | '>' | '|' | '&'
                | '~',
                _,
                _,
            ) => 1,
            _ => {
                return Err(LexError::Unrecognized {
                    character: first,
                    offset,
                })
            }
        };
        for _ in 0..len {
            self.bump();
        }
        Ok(TokenKind::Punct)
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
            .map(|t| (t.kind, t.text))
            .collect()
    }

    /// The (kind, text) pairs of `sql`'s tokens without whitespace and comments.
    fn significant(sql: &str) -> Vec<(TokenKind, String)> {
        tokenize(sql)
            .unwrap()
            .into_iter()
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, t.text))
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
    fn texts_concatenate_back_to_the_input() {
        let sql =
            "SELECT \"a\"\"b\", [c d], `e`, 'f''g', X'00', 1.5e3, ?1, :p -- x\n/* y */ FROM t;";
        let tokens = tokenize(sql).unwrap();
        assert_eq!(
            tokens.iter().map(|t| t.text.as_str()).collect::<String>(),
            sql
        );
        for token in &tokens {
            assert_eq!(
                sql.get(token.offset..token.offset + token.text.len()),
                Some(token.text.as_str())
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
        let token = |sql: &str| tokenize(sql).unwrap().remove(0);
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
                        assert_eq!(
                            tokens.iter().map(|t| t.text.as_str()).collect::<String>(),
                            s
                        );
                    }
                }
            }
        }
    }
}
