//! D1 migrations applied to a SQLite file, recorded the way `wrangler` records them.

use super::connection::{statement_error, store_error, Connection};
use edgemcp::{Error, Result};
use std::path::Path;

const WHAT: &str = "SQL database";

/// The ledger `wrangler d1 migrations apply` keeps, created the same way, so a database
/// moved between the two knows which files it already has.
const LEDGER: &str = "CREATE TABLE IF NOT EXISTS d1_migrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)";

/// Applies the `*.sql` files of `dir` that the database at `db_path` has not had yet,
/// in name order, each in its own transaction, and returns the names applied.
///
/// A file that fails leaves the database as it was before that file, and stops the run:
/// later files depend on earlier ones.
///
/// # Errors
/// When the folder cannot be read, the database cannot be opened, or a file fails; the
/// message names the file and SQLite's complaint.
///
/// ```no_run
/// use std::path::Path;
///
/// let applied = edgemcp_native::storage::apply_migrations(
///     Path::new("data/db.sqlite"),
///     Path::new("migrations"),
/// )?;
/// println!("applied {applied:?}");
/// # Ok::<(), edgemcp::Error>(())
/// ```
pub fn apply_migrations(db_path: &Path, dir: &Path) -> Result<Vec<String>> {
    let names = migration_files(dir)?;
    let conn = Connection::open(db_path, WHAT, false)?;
    conn.run_now(|conn| {
        conn.execute_batch(LEDGER).map_err(store_error(WHAT))?;
        let mut applied = Vec::new();
        for name in names {
            let known: bool = conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM d1_migrations WHERE name = ?1)",
                    [&name],
                    |row| row.get(0),
                )
                .map_err(store_error(WHAT))?;
            if known {
                continue;
            }
            let path = dir.join(&name);
            let sql = std::fs::read_to_string(&path).map_err(|e| {
                Error::config(format!("Cannot read the migration {}: {e}", path.display()))
            })?;
            let failed = |e: rusqlite::Error| {
                let cause = statement_error(e);
                Error::config(format!(
                    "The migration {name} failed and was rolled back: {}; fix the file and \
                     start again.",
                    cause.message()
                ))
            };
            let tx = conn.transaction().map_err(store_error(WHAT))?;
            tx.execute_batch(&sql).map_err(failed)?;
            tx.execute("INSERT INTO d1_migrations (name) VALUES (?1)", [&name])
                .map_err(store_error(WHAT))?;
            tx.commit().map_err(store_error(WHAT))?;
            applied.push(name);
        }
        Ok(applied)
    })
}

/// The names of the `*.sql` files of `dir`, in name order: the order they apply in.
///
/// # Errors
/// When the folder cannot be read.
pub(super) fn migration_files(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::config(format!(
            "Cannot read the migrations folder {}: {e}; pass --migrations-dir.",
            dir.display()
        ))
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| {
            Error::config(format!(
                "Cannot read the migrations folder {}: {e}",
                dir.display()
            ))
        })?;
        if let Some(name) = entry.file_name().to_str().filter(|n| n.ends_with(".sql")) {
            names.push(name.to_owned());
        }
    }
    names.sort_unstable();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_each_file_once_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).unwrap();
        std::fs::write(
            migrations.join("0002_rows.sql"),
            "INSERT INTO t (v) VALUES ('b');",
        )
        .unwrap();
        std::fs::write(
            migrations.join("0001_table.sql"),
            "CREATE TABLE t (v TEXT);",
        )
        .unwrap();
        std::fs::write(migrations.join("README.md"), "not a migration").unwrap();
        let db = dir.path().join("db.sqlite");

        let applied = apply_migrations(&db, &migrations).unwrap();
        assert_eq!(applied, ["0001_table.sql", "0002_rows.sql"]);
        assert!(
            apply_migrations(&db, &migrations).unwrap().is_empty(),
            "nothing twice"
        );

        std::fs::write(
            migrations.join("0003_more.sql"),
            "INSERT INTO t (v) VALUES ('c');",
        )
        .unwrap();
        assert_eq!(
            apply_migrations(&db, &migrations).unwrap(),
            ["0003_more.sql"]
        );
        let conn = rusqlite::Connection::open(&db).unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
        let ledger: i64 = conn
            .query_row("SELECT count(*) FROM d1_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ledger, 3);
    }

    #[test]
    fn a_failing_file_is_rolled_back_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).unwrap();
        std::fs::write(
            migrations.join("0001_bad.sql"),
            "CREATE TABLE t (v TEXT); INSERT INTO nowhere VALUES (1);",
        )
        .unwrap();
        let db = dir.path().join("db.sqlite");
        let err = apply_migrations(&db, &migrations).unwrap_err();
        assert!(err.message().contains("0001_bad.sql"), "{err}");
        assert!(err.message().contains("no such table"), "{err}");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the failed file left nothing behind");
    }

    #[test]
    fn the_repository_migrations_apply() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
        let db = dir.path().join("db.sqlite");
        let applied = apply_migrations(&db, &migrations).unwrap();
        assert!(applied.len() >= 2, "{applied:?}");
        let conn = rusqlite::Connection::open(&db).unwrap();
        let customers: i64 = conn
            .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
            .unwrap();
        assert_eq!(customers, 50);
    }
}
