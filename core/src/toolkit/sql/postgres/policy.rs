//! What statements on PostgreSQL may call and read.
//!
//! The allowlist holds built-in functions that only compute: none writes, sleeps, takes a
//! lock, reads a file or a setting, reaches another server or runs SQL text
//! (`query_to_xml`). The PostgreSQL tests check every name against the engine's own
//! catalogue: each exists, and none of its overloads is volatile unless it is one of
//! [`VOLATILE_BUT_HARMLESS`].

/// Functions a statement may call, lower case.
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    // Aggregates.
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "bool_and",
    "bool_or",
    "every",
    "string_agg",
    "array_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "corr",
    "covar_pop",
    "covar_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "bit_and",
    "bit_or",
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
    // Conditional expressions (grammar, not catalogue functions).
    "coalesce",
    "nullif",
    "greatest",
    "least",
    // Mathematics.
    "abs",
    "ceil",
    "ceiling",
    "floor",
    "round",
    "trunc",
    "sign",
    "sqrt",
    "cbrt",
    "power",
    "exp",
    "ln",
    "log",
    "log10",
    "mod",
    "div",
    "pi",
    "degrees",
    "radians",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "width_bucket",
    "random",
    "num_nulls",
    "num_nonnulls",
    // Text.
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "bit_length",
    "lower",
    "upper",
    "initcap",
    "substr",
    "substring",
    "left",
    "right",
    "lpad",
    "rpad",
    "ltrim",
    "rtrim",
    "btrim",
    "trim",
    "replace",
    "translate",
    "reverse",
    "repeat",
    "split_part",
    "strpos",
    "position",
    "concat",
    "concat_ws",
    "md5",
    "starts_with",
    "regexp_replace",
    "regexp_match",
    "regexp_matches",
    "regexp_split_to_array",
    "to_hex",
    "ascii",
    "chr",
    "overlay",
    "encode",
    // Dates and times.
    "now",
    "date_trunc",
    "date_part",
    "extract",
    "age",
    "to_char",
    "to_date",
    "to_timestamp",
    "to_number",
    "make_date",
    "make_time",
    "make_timestamp",
    "make_interval",
    "justify_days",
    "justify_hours",
    "isfinite",
    "date_bin",
    // JSON.
    "to_json",
    "to_jsonb",
    "row_to_json",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "json_array_length",
    "jsonb_array_length",
    "json_extract_path",
    "jsonb_extract_path",
    "json_extract_path_text",
    "jsonb_extract_path_text",
    "json_typeof",
    "jsonb_typeof",
    "json_array_elements",
    "jsonb_array_elements",
    "json_each",
    "jsonb_each",
    "jsonb_object_keys",
    "jsonb_pretty",
    // Arrays and series.
    "array_length",
    "cardinality",
    "unnest",
    "array_to_string",
    "string_to_array",
    "array_position",
    "generate_series",
];

/// Allowed functions the catalogue marks volatile that still only compute.
pub const VOLATILE_BUT_HARMLESS: &[&str] = &["random"];

/// Allowed names that are grammar rather than catalogue functions.
pub const GRAMMAR_FUNCTIONS: &[&str] = &["coalesce", "nullif", "greatest", "least", "trim"];

/// Relations a statement may not name, in any schema: the server's own schema is
/// refused as a qualifier (see [`INTERNAL_SCHEMA`]), and these expose passwords, other
/// sessions' queries, the server's files or its configuration.
pub const REFUSED_RELATIONS: &[&str] = &[
    "pg_authid",
    "pg_shadow",
    "pg_user_mapping",
    "pg_user_mappings",
    "pg_stat_activity",
    "pg_largeobject",
    "pg_largeobject_metadata",
    "pg_file_settings",
    "pg_hba_file_rules",
    "pg_ident_file_mappings",
    "pg_settings",
    "pg_config",
    "pg_stat_statements",
    "pg_replication_slots",
    "pg_subscription",
];

/// The schema that holds the server's own tables (the KV store, the migrations ledger):
/// statements may not name it.
pub const INTERNAL_SCHEMA: &str = "edgemcp";

/// Whether a statement may call `name` (a bare name folded to lower case, or a quoted
/// one as written).
pub fn is_allowed_function(name: &str) -> bool {
    ALLOWED_FUNCTIONS.contains(&name)
}

/// Whether a statement may not name the relation `name`.
pub fn is_refused_relation(name: &str) -> bool {
    REFUSED_RELATIONS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_lower_case_unique_and_consistent() {
        for list in [ALLOWED_FUNCTIONS, REFUSED_RELATIONS, GRAMMAR_FUNCTIONS] {
            let mut seen = std::collections::HashSet::new();
            for name in list {
                assert_eq!(*name, name.to_ascii_lowercase());
                assert!(seen.insert(*name), "{name} is listed twice");
            }
        }
        for name in VOLATILE_BUT_HARMLESS.iter().chain(GRAMMAR_FUNCTIONS) {
            assert!(
                is_allowed_function(name),
                "{name} must be allowed to be listed"
            );
        }
        for refused in [
            "set_config",
            "pg_sleep",
            "query_to_xml",
            "dblink",
            "lo_import",
        ] {
            assert!(!is_allowed_function(refused), "{refused}");
        }
        assert!(
            !is_allowed_function("LOWER"),
            "a quoted upper-case name is another function"
        );
    }
}
