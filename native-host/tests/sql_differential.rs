//! The read guard against SQLite itself, on generated statements: whatever the guard
//! admits, SQLite must read as one read-only statement that calls only allowed functions
//! (see `common/differential.rs`).
//!
//! Statements are built from a grammar of SQL pieces: keywords, names, allowed and
//! forbidden functions, literals, parameters in every form SQLite knows, comments, and
//! Unicode oddities (byte-order marks, no-break spaces, vertical tabs), glued with or
//! without whitespace so that one piece can run into the next. A fixed number of cases
//! runs in the test suite; `fuzz/` runs the same check for as long as one likes. Any case
//! proptest finds is kept in `proptest-regressions/` and every case found by hand or by the
//! fuzzer belongs in [`REGRESSIONS`].

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::differential::{check, connection, Agreement};
use proptest::prelude::*;

/// Statements that once got past a guard that read SQL differently from SQLite, and must
/// stay where they belong: refused, or harmless to SQLite.
const REGRESSIONS: &[&str] = &[
    // A byte-order mark where a token starts is whitespace to SQLite.
    "SELECT 1,\u{feff}fts3_tokenizer('simple')",
    "SELECT \u{feff}load_extension('x')",
    // TCL variables swallow what follows up to `)`.
    "SELECT :a(/*), fts3_tokenizer('simple') --*/",
    "SELECT $a(--), load_extension('x')",
    "SELECT @a(/*) FROM t; DELETE FROM t --*/",
    // `/*` as the last two characters is not a comment.
    "SELECT 1 /*",
    // The vertical tab continues whitespace but cannot start it.
    "SELECT 1 \u{b}FROM t",
    // Engine tables named without a call.
    "SELECT count(*) FROM pragma_function_list",
    "SELECT * FROM dbstat",
    // Operators that are functions.
    "SELECT a REGEXP 'x' FROM t",
    "SELECT a MATCH 'x' FROM t",
];

#[test]
fn regressions_stay_fixed() {
    let mut conn = connection();
    for sql in REGRESSIONS {
        if let Err(why) = check(&mut conn, sql) {
            panic!("{why}");
        }
    }
}

/// Pieces of SQL the generator glues together.
const PIECES: &[&str] = &[
    // Keywords.
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "AS",
    "UNION",
    "ALL",
    "WITH",
    "RECURSIVE",
    "VALUES",
    "CAST",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "LIKE",
    "GLOB",
    "REGEXP",
    "MATCH",
    "ESCAPE",
    "OVER",
    "FILTER",
    "WINDOW",
    "PARTITION",
    "BY",
    "ORDER",
    "GROUP",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "ON",
    "USING",
    "IS",
    "NULL",
    "BETWEEN",
    "DISTINCT",
    "COLLATE",
    "NOCASE",
    "INTEGER",
    "VARCHAR",
    "REPLACE",
    "DELETE",
    "INSERT",
    "INTO",
    "UPDATE",
    "SET",
    "PRAGMA",
    "ATTACH",
    "VACUUM",
    "BEGIN",
    "CREATE",
    "TEMP",
    "RETURNING",
    "MATERIALIZED",
    "INDEXED",
    // Names.
    "t",
    "a",
    "b",
    "c",
    "v",
    "x",
    "customers",
    "name",
    "city",
    "id",
    "main",
    "temp",
    "sqlite_master",
    "sqlite_schema",
    "rowid",
    "\"a\"",
    "[b]",
    "`c`",
    "'t'",
    // Functions, allowed and not.
    "count",
    "abs",
    "max",
    "printf",
    "replace",
    "like",
    "glob",
    "if",
    "iif",
    "json_each",
    "json_extract",
    "group_concat",
    "row_number",
    "substr",
    "zeroblob",
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "writefile",
    "edit",
    "sqlite_compileoption_get",
    "sqlite_offset",
    "changes",
    "pragma_table_info",
    "pragma_function_list",
    "dbstat",
    "\"load_extension\"",
    "[fts3_tokenizer]",
    "`readfile`",
    // Literals.
    "1",
    "0",
    "42",
    "1.5",
    ".5",
    "1e3",
    "0x1F",
    "1_000",
    "'x'",
    "''",
    "'it''s'",
    "X'00'",
    "x''",
    "'--'",
    "'/*'",
    "';'",
    // Parameters, every form SQLite reads.
    "?",
    "?1",
    "?99",
    ":a",
    "@a",
    "$a",
    "#a",
    "$a::b",
    ":a(",
    ":a(x)",
    ":a(/*)",
    "$a(--)",
    "@a(')",
    "::a",
    "$::a",
    // Punctuation and operators.
    "(",
    ")",
    "(",
    ")",
    ",",
    ";",
    ".",
    "*",
    "=",
    "==",
    "<>",
    "!=",
    "<",
    ">=",
    "||",
    "->",
    "->>",
    "-",
    "+",
    "/",
    "%",
    "&",
    "|",
    "~",
    "<<",
    // Comments, closed and not.
    "-- c\n",
    "--",
    "/* c */",
    "/*",
    "*/",
    "/**/",
    "/* ; */",
    // Unicode and control oddities.
    "\u{feff}",
    "\u{a0}",
    "\u{2028}",
    "\u{200b}",
    "\u{b}",
    "\u{c}",
    "\r",
    "é",
    "日本",
    "\u{0}",
    "\u{ff1b}",
];

/// What goes between two pieces: usually a space, sometimes nothing, so pieces run
/// together the way an attacker would glue them.
const GLUE: &[&str] = &[" ", " ", " ", "", "", "\n", "\t", "\u{feff}"];

/// Names, literals and parameters an expression is built from.
const ATOMS: &[&str] = &[
    "a", "b", "t.c", "id", "name", "1", "0", "'x'", "X'00'", "1.5", "NULL", "?1", ":a", "@a", "$a",
    "\"a\"", "[b]", "`c`", "*",
];

/// Functions an expression calls, allowed and not, however they may be written.
const FUNCTIONS: &[&str] = &[
    "count",
    "abs",
    "max",
    "printf",
    "replace",
    "like",
    "if",
    "iif",
    "json_extract",
    "substr",
    "zeroblob",
    "typeof",
    "load_extension",
    "fts3_tokenizer",
    "readfile",
    "edit",
    "sqlite_compileoption_get",
    "sqlite_offset",
    "changes",
    "\"load_extension\"",
    "[fts3_tokenizer]",
    "`readfile`",
    "LOAD_EXTENSION",
    "Fts3_Tokenizer",
];

/// Binary operators, keywords among them.
const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "=", "<>", "||", "->", "->>", "AND", "OR", "LIKE", "GLOB", "REGEXP",
    "MATCH", "IS", "IS NOT", "<<", "&",
];

/// One generated piece: mostly a word or operator of an expression, sometimes an oddity
/// glued in.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => prop::sample::select(ATOMS).prop_map(str::to_owned),
        1 => (prop::sample::select(PIECES), prop::sample::select(ATOMS))
            .prop_map(|(odd, atom)| format!("{odd}{atom}")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => (prop::sample::select(FUNCTIONS), prop::sample::select(GLUE), inner.clone())
                .prop_map(|(f, glue, arg)| format!("{glue}{f}({arg})")),
            3 => (inner.clone(), prop::sample::select(OPERATORS), inner.clone())
                .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
            1 => inner.clone().prop_map(|e| format!("({e})")),
            1 => inner.clone().prop_map(|e| format!("CAST({e} AS INTEGER)")),
            1 => inner.clone().prop_map(|e| format!("(SELECT {e} FROM t)")),
            1 => (inner.clone(), inner.clone())
                .prop_map(|(c, v)| format!("CASE WHEN {c} THEN {v} END")),
            2 => (inner.clone(), prop::sample::select(PIECES), prop::sample::select(GLUE))
                .prop_map(|(e, odd, glue)| format!("{e}{glue}{odd}")),
        ]
    })
}

/// Statement shapes, with `{}` where generated expressions go.
const SHAPES: &[&str] = &[
    "SELECT {}",
    "SELECT {}, {} FROM t",
    "SELECT a FROM t WHERE {}",
    "SELECT {} FROM t WHERE {}",
    "SELECT {} FROM t GROUP BY a HAVING {}",
    "WITH x(a) AS (SELECT {}) SELECT {} FROM x",
    "SELECT * FROM (SELECT {} AS a) WHERE {}",
    "SELECT {} FROM t ORDER BY {} LIMIT 1",
    "VALUES ({}, {})",
    "{} {}",
];

/// Up to `max` pieces glued together: token soup, for what no expression grammar makes.
fn pieces(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (prop::sample::select(PIECES), prop::sample::select(GLUE)),
        0..max,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .map(|(piece, glue)| format!("{piece}{glue}"))
            .collect()
    })
}

fn statement() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SHAPES),
        expression(),
        prop_oneof![3 => expression(), 1 => pieces(8)],
        prop::sample::select(&["", ";", "; ", " -- end", ";\u{feff}", " /*", ";\u{b}"][..]),
    )
        .prop_map(|(shape, first, second, end)| {
            let filled = shape.replacen("{}", &first, 1).replacen("{}", &second, 1);
            format!("{filled}{end}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_agrees_with_every_statement_the_guard_admits(sql in statement()) {
        let mut conn = connection();
        if let Err(why) = check(&mut conn, &sql) {
            prop_assert!(false, "{}", why);
        }
    }
}

#[test]
fn the_generator_reaches_statements_the_guard_admits() {
    // A check that only ever sees refused statements proves nothing: make sure a good
    // share of generated statements gets past the guard and is checked against SQLite.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = statement();
    let mut conn = connection();
    let (mut admitted, mut prepared) = (0, 0);
    for _ in 0..2000 {
        let sql = strategy.new_tree(&mut runner).unwrap().current();
        match check(&mut conn, &sql) {
            Ok(Agreement::GuardRefused) => {}
            Ok(Agreement::EngineRefused) => admitted += 1,
            Ok(Agreement::Prepared) => {
                admitted += 1;
                prepared += 1;
            }
            Err(why) => panic!("{why}"),
        }
    }
    assert!(
        admitted >= 100,
        "only {admitted} of 2000 generated statements were admitted"
    );
    assert!(
        prepared >= 80,
        "only {prepared} admitted statements were valid SQLite"
    );
}
