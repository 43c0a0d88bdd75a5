//! What a statement of the SQL toolkit may use: the functions it may call and the tables it
//! may never name. One list for every layer, so the statement guard (every host) and a
//! host's engine-level checks (the SQLite authorizer natively) enforce the same rules.
//!
//! The functions are an allowlist: SQLite's built-in scalar, aggregate, window, date and
//! time, math and JSON functions, and the operators the engine runs as functions (`->`,
//! `->>`, `LIKE`, `GLOB`, `MATCH`). Anything else is refused, whether it reaches files
//! (`readfile`, `writefile`, `edit`, `fsdir`), loads code (`load_extension`), exposes the
//! engine's internals (`fts3_tokenizer`, `sqlite_compileoption_get`, `sqlite_offset`) or is
//! simply unknown (a function an extension or the host registered).
//!
//! ```
//! use edgemcp::toolkit::sql_policy::{is_allowed_function, is_refused_table};
//!
//! assert!(is_allowed_function("json_extract"));
//! assert!(is_allowed_function("COUNT"));
//! assert!(!is_allowed_function("load_extension"));
//! assert!(is_refused_table("pragma_database_list"));
//! assert!(!is_refused_table("customers"));
//! ```
//!
//! The guards that apply it to a statement's tokens are here too: [`check_read_only`]
//! and [`check_write`].

pub use super::guard::{
    check_read_only, check_write, GuardError, MAX_NESTING, MAX_STATEMENT_BYTES,
};

/// The functions a statement may call, lower-case. Names are compared ASCII
/// case-insensitively, as SQLite compares them.
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    // Operators the engine evaluates as functions.
    "->",
    "->>",
    "like",
    "glob",
    "match",
    // Core scalar functions.
    "abs",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "format",
    "hex",
    "if",
    "ifnull",
    "iif",
    "instr",
    "length",
    "likelihood",
    "likely",
    "lower",
    "ltrim",
    "max",
    "min",
    "nullif",
    "octet_length",
    "printf",
    "quote",
    "random",
    "randomblob",
    "replace",
    "round",
    "rtrim",
    "sign",
    "soundex",
    "sqlite_version",
    "substr",
    "substring",
    "trim",
    "typeof",
    "unhex",
    "unicode",
    "unistr",
    "unlikely",
    "upper",
    "zeroblob",
    // Aggregates.
    "avg",
    "count",
    "group_concat",
    "string_agg",
    "sum",
    "total",
    // Window functions.
    "row_number",
    "rank",
    "dense_rank",
    "percent_rank",
    "cume_dist",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    // Date and time.
    "date",
    "time",
    "datetime",
    "julianday",
    "unixepoch",
    "strftime",
    "timediff",
    "current_date",
    "current_time",
    "current_timestamp",
    // Math.
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "ceiling",
    "cos",
    "cosh",
    "degrees",
    "exp",
    "floor",
    "ln",
    "log",
    "log10",
    "log2",
    "mod",
    "pi",
    "pow",
    "power",
    "radians",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "trunc",
    // JSON, including the table-valued json_each and json_tree.
    "json",
    "jsonb",
    "json_array",
    "jsonb_array",
    "json_array_length",
    "json_error_position",
    "json_extract",
    "jsonb_extract",
    "json_insert",
    "jsonb_insert",
    "json_object",
    "jsonb_object",
    "json_patch",
    "jsonb_patch",
    "json_pretty",
    "json_quote",
    "json_remove",
    "jsonb_remove",
    "json_replace",
    "jsonb_replace",
    "json_set",
    "jsonb_set",
    "json_type",
    "json_valid",
    "json_group_array",
    "jsonb_group_array",
    "json_group_object",
    "jsonb_group_object",
    "json_each",
    "jsonb_each",
    "json_tree",
    "jsonb_tree",
];

/// Engine tables that a statement may never name, lower-case, besides every `pragma_*`
/// table: they read pages and internals of the database file (`sqlite_dbpage`, `dbstat`),
/// list the connection's statements or memory (`sqlite_stmt`, `sqlite_memstat`), or reach
/// files (`fsdir`, `zipfile`).
pub const REFUSED_TABLES: &[&str] = &[
    "sqlite_dbpage",
    "sqlite_dbdata",
    "sqlite_dbptr",
    "sqlite_stmt",
    "sqlite_memstat",
    "sqlite_btreeinfo",
    "dbstat",
    "fts3tokenize",
    "fts5vocab",
    "fsdir",
    "zipfile",
];

/// The statement `sql_query` runs for one page of `query` (which the read guard admitted):
/// the query inside the server's own `LIMIT`, so the row cap holds whatever the query
/// says. The newline before `)` ends a trailing `--` comment of the query.
///
/// ```
/// use edgemcp::toolkit::sql_policy::paged_query;
///
/// assert_eq!(paged_query("SELECT 1;", 10, 20), "SELECT * FROM (\nSELECT 1\n) LIMIT 10 OFFSET 20");
/// ```
pub fn paged_query(query: &str, limit: usize, offset: usize) -> String {
    format!(
        "SELECT * FROM (\n{}\n) LIMIT {limit} OFFSET {offset}",
        super::lexer::without_trailing_semicolon(query)
    )
}

/// Whether a statement may call the function `name` (ASCII case-insensitive).
pub fn is_allowed_function(name: &str) -> bool {
    ALLOWED_FUNCTIONS
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(name))
}

/// Whether `name` (ASCII case-insensitive) is an engine table a statement may never read
/// or write: a `pragma_*` table (the pragmas as tables: file paths, settings, the schema
/// outside the `sql_describe_table` tool) or one of [`REFUSED_TABLES`].
pub fn is_refused_table(name: &str) -> bool {
    let pragma = name
        .get(..7)
        .is_some_and(|start| start.eq_ignore_ascii_case("pragma_"));
    pragma
        || REFUSED_TABLES
            .iter()
            .any(|refused| refused.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_lower_case_and_unique() {
        for list in [ALLOWED_FUNCTIONS, REFUSED_TABLES] {
            let mut seen = std::collections::HashSet::new();
            for name in list {
                assert_eq!(*name, name.to_ascii_lowercase());
                assert!(seen.insert(*name), "{name} is listed twice");
            }
        }
    }

    #[test]
    fn decides_case_insensitively() {
        assert!(is_allowed_function("Json_Extract"));
        assert!(!is_allowed_function("readfile"));
        assert!(!is_allowed_function("fts3_tokenizer"));
        assert!(!is_allowed_function(""));
        assert!(is_refused_table("PRAGMA_table_info"));
        assert!(is_refused_table("DbStat"));
        assert!(!is_refused_table("pragma"));
        assert!(!is_refused_table("prägma_x"));
    }
}
