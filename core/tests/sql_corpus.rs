//! The SQL statement corpus against the statement guards: every refused statement is
//! refused, every accepted one accepted, with a reason the caller can act on.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use edgemcp::toolkit::sql_corpus::corpus;
use edgemcp::toolkit::sql_policy::{check_read_only, check_write};

#[test]
fn the_corpus_is_large_enough_to_mean_something() {
    let corpus = corpus().expect("the corpus parses");
    assert!(
        corpus.refused.len() >= 150,
        "{} refused",
        corpus.refused.len()
    );
    assert!(
        corpus.accepted.len() >= 40,
        "{} accepted",
        corpus.accepted.len()
    );
    let classes: std::collections::BTreeSet<&str> =
        corpus.refused.iter().map(|e| e.class.as_str()).collect();
    for class in [
        "stacked",
        "bom",
        "tcl-parameter",
        "function",
        "pragma",
        "attach",
        "nul",
    ] {
        assert!(classes.contains(class), "no {class} statements");
    }
}

#[test]
fn the_read_guard_refuses_every_refused_statement() {
    for entry in corpus().unwrap().refused {
        let refusal = check_read_only(&entry.sql);
        assert!(
            refusal.is_err(),
            "[{}] admitted: {:?}",
            entry.class,
            entry.sql
        );
        // Every refusal explains itself in a sentence, never an empty or internal message.
        let message = refusal.unwrap_err().to_string();
        assert!(message.len() > 20, "[{}] {message:?}", entry.class);
    }
}

#[test]
fn the_read_guard_accepts_every_accepted_statement() {
    for entry in corpus().unwrap().accepted {
        assert_eq!(check_read_only(entry.sql()), Ok(()), "{:?}", entry.sql());
    }
}

#[test]
fn the_write_guard_refuses_what_no_write_may_do() {
    for entry in corpus().unwrap().refused {
        let schema_or_engine = matches!(
            entry.class.as_str(),
            "ddl"
                | "pragma"
                | "attach"
                | "transaction"
                | "function"
                | "bom"
                | "tcl-parameter"
                | "engine-table"
                | "nul"
                | "huge"
                | "stacked"
        );
        if schema_or_engine {
            assert!(
                check_write(&entry.sql).is_err(),
                "[{}] admitted as a write: {:?}",
                entry.class,
                entry.sql
            );
        }
    }
}
