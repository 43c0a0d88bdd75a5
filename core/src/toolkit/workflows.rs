//! The toolkits' workflows: prompts that gather the facts about a store in one round
//! trip. Each is offered where its toolkit is on, unless `EDGEMCP_WORKFLOWS_ENABLED` is
//! `false`.

use crate::workflow::{from, Step, Workflow};
use crate::PromptArgument;

/// How many rows a workflow shows of each table.
const SAMPLE_ROWS: i64 = 3;
/// How many keys or objects an inventory looks into.
const INVENTORY: i64 = 10;

/// `explore_database`: every table, its columns and a few of its rows.
pub(super) fn explore_database() -> Workflow {
    Workflow::new(
        "explore_database",
        "Lists every table of the SQL database with its columns and a few sample rows, so \
         you can see what it holds before you query it.",
    )
    .title("Explore the database")
    .step(Step::call("tables", "sql_list_tables"))
    .step(
        Step::call("columns", "sql_describe_table")
            .for_each(from::output("tables", "tables"))
            .arg("table", from::item("name")),
    )
    .step(
        Step::call("samples", "sql_query")
            .for_each(from::output("tables", "tables"))
            .arg("query", sample_query(from::item("name")))
            .arg("limit", from::constant(SAMPLE_ROWS)),
    )
    .instruction(
        "Above are the database's tables, their columns and a few rows of each. Describe to \
         the user what each table holds and how the tables relate (shared column names, keys), \
         and suggest questions it can answer. Use sql_query, with ?1-style parameters, for \
         anything more.",
    )
}

/// `inspect_table` {table}: one table's columns, its row count and a few rows.
pub(super) fn inspect_table() -> Workflow {
    Workflow::new(
        "inspect_table",
        "Describes one table: its columns, how many rows it has and a few of them.",
    )
    .title("Inspect a table")
    .argument(PromptArgument::required(
        "table",
        "The table's name, as sql_list_tables gives it.",
    ))
    .step(Step::call("columns", "sql_describe_table").arg("table", from::argument("table")))
    .step(
        Step::call("size", "sql_query").arg(
            "query",
            from::template("SELECT count(*) AS row_count FROM {table}")
                .identifier("table", from::argument("table")),
        ),
    )
    .step(
        Step::call("sample", "sql_query")
            .arg("query", sample_query(from::argument("table")))
            .arg("limit", from::constant(SAMPLE_ROWS)),
    )
    .instruction(
        "Above are the table's columns, its row count and a few rows. Explain what one row \
         stands for and what each column means, and point out anything surprising.",
    )
}

/// `blob_inventory` {prefix?}: the first objects under a prefix, with their details.
pub(super) fn blob_inventory() -> Workflow {
    Workflow::new(
        "blob_inventory",
        "Lists the first objects of the object store under a prefix, with each one's size, \
         type and last change.",
    )
    .title("Inventory of the object store")
    .argument(PromptArgument::optional(
        "prefix",
        "Only objects whose key starts with this.",
    ))
    .step(
        Step::call("objects", "blob_list")
            .arg("prefix", from::argument_or("prefix", ""))
            .arg("limit", from::constant(INVENTORY)),
    )
    .step(
        Step::call("details", "blob_head")
            .for_each(from::output("objects", "objects"))
            .arg("key", from::item("key")),
    )
    .instruction(
        "Above are the first objects of the store under the prefix and their details. \
         Summarise what is stored (kinds of files, sizes, how recent), and say how to read one \
         (blob_get) or see more (blob_list with the cursor).",
    )
}

/// `kv_inventory` {prefix?}: the first keys under a prefix, with their values.
pub(super) fn kv_inventory() -> Workflow {
    Workflow::new(
        "kv_inventory",
        "Lists the first keys of the key-value store under a prefix, with their values.",
    )
    .title("Inventory of the key-value store")
    .argument(PromptArgument::optional(
        "prefix",
        "Only keys that start with this.",
    ))
    .step(
        Step::call("keys", "kv_list")
            .arg("prefix", from::argument_or("prefix", ""))
            .arg("limit", from::constant(INVENTORY)),
    )
    .step(
        Step::call("values", "kv_get")
            .for_each(from::output("keys", "keys"))
            .arg("key", from::item("key")),
    )
    .instruction(
        "Above are the first keys of the store under the prefix and their values. Summarise \
         how the keys are organised and what the values hold.",
    )
}

/// `SELECT * FROM "<table>"`, the table quoted as an identifier.
fn sample_query(table: crate::workflow::Source) -> crate::workflow::Source {
    from::template("SELECT * FROM {table}")
        .identifier("table", table)
        .into()
}
