//! The shop natively, on SQLite: `shop serve` (Streamable HTTP on `$PORT`, the Cloud Run
//! contract), `shop stdio`, or under AWS Lambda. The database is `$SHOP_DB` (default
//! `shop.sqlite`), created with the sample store on first start.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use edgemcp_native::storage::{apply_migrations, SqliteSql};
    use std::path::Path;
    use std::sync::Arc;

    edgemcp_native::main(|runtime| {
        let path = std::env::var("SHOP_DB").unwrap_or_else(|_| "shop.sqlite".to_owned());
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
        apply_migrations(Path::new(&path), &migrations)?;
        let db = SqliteSql::open(Path::new(&path), 1 << 20)?;
        example_shop::server(Arc::new(db), runtime)
    })
}

#[cfg(target_arch = "wasm32")]
fn main() {}
