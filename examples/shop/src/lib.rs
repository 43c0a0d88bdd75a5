//! A server of your own: a shop assistant's tools over the sample store (customers,
//! products, orders), written once with `#[edgemcp::tools]` over any
//! [`SqlDatabase`]. The same tools run
//!
//! - as a Cloudflare Worker on D1 (`src/worker.rs`, built with
//!   `scripts/build-worker examples/shop`, served with `wrangler dev` from this folder);
//! - natively on SQLite (`src/main.rs`: `cargo run -p example-shop -- serve`, or `stdio`).

use edgemcp::runtime::Runtime;
use edgemcp::storage::{SqlDatabase, SqlLimits, SqlRows, SqlValue};
use edgemcp::tool::{ToolError, ToolSet};
use edgemcp::{Error, Server};
use serde_json::{Map, Value};
use std::sync::Arc;

#[cfg(target_arch = "wasm32")]
mod worker;

/// The most products one search returns.
pub const MAX_PRODUCTS: u8 = 50;

/// The shop's tools, sharing one database handle.
pub struct Shop {
    db: Arc<dyn SqlDatabase>,
}

/// The shop's server over `db`, on `runtime`.
///
/// # Errors
/// Only when the server's settings are inconsistent, which these are not.
pub fn server(db: Arc<dyn SqlDatabase>, runtime: Runtime) -> edgemcp::Result<Server> {
    Server::builder("example-shop", env!("CARGO_PKG_VERSION"))
        .instructions("A shop's catalogue and orders: find_products, customer_orders.")
        .tools(Shop { db }.into_tools())
        .build(runtime)
}

#[edgemcp::tools]
impl Shop {
    /// Finds products whose name contains some text, cheapest first.
    #[tool(read_only, title = "Find products")]
    async fn find_products(
        &self,
        /// Text the product's name contains (case-insensitive).
        text: String,
        /// Only products of this category (`fruit`, `bakery`, ...).
        category: Option<String>,
        /// At most this many products, 1 to 50 (default 10).
        limit: Option<u8>,
    ) -> Result<Value, ToolError> {
        let limit = limit.unwrap_or(10);
        if !(1..=MAX_PRODUCTS).contains(&limit) {
            // A limit the schema lets through but the tool cannot serve is the caller's
            // mistake, not something for the model to retry: a JSON-RPC error.
            return Err(ToolError::protocol(Error::invalid_params(format!(
                "`limit` must be between 1 and {MAX_PRODUCTS}, not {limit}."
            ))));
        }
        let params = [
            SqlValue::Text(format!("%{text}%")),
            category.map_or(SqlValue::Null, SqlValue::Text),
            SqlValue::Integer(i64::from(limit)),
        ];
        let rows = self
            .db
            .query(
                "SELECT id, name, category, price_cents, stock FROM products \
                 WHERE name LIKE ?1 AND (?2 IS NULL OR category = ?2) \
                 ORDER BY price_cents, id LIMIT ?3",
                &params,
                SqlLimits::rows(usize::from(MAX_PRODUCTS)),
            )
            .await?;
        Ok(Value::Array(objects(rows)))
    }

    /// Lists a customer's orders with their totals, oldest first.
    #[tool(read_only)]
    async fn customer_orders(
        &self,
        /// The customer's email address.
        email: String,
    ) -> Result<Value, Error> {
        let params = [SqlValue::Text(email.clone())];
        let customer = self
            .db
            .query(
                "SELECT id FROM customers WHERE email = ?1",
                &params,
                SqlLimits::rows(1),
            )
            .await?;
        if customer.rows.is_empty() {
            // The model can correct this one (another address): an `isError` result.
            return Err(Error::not_found(format!(
                "No customer has the email {email}."
            )));
        }
        let orders = self
            .db
            .query(
                "SELECT o.id, o.status, o.ordered_at, \
                        SUM(i.quantity * i.unit_price_cents) AS total_cents \
                 FROM orders o JOIN customers c ON c.id = o.customer_id \
                 JOIN order_items i ON i.order_id = o.id \
                 WHERE c.email = ?1 GROUP BY o.id ORDER BY o.ordered_at, o.id",
                &params,
                SqlLimits::rows(1000),
            )
            .await?;
        Ok(Value::Array(objects(orders)))
    }
}

/// Each row as an object of its columns.
fn objects(rows: SqlRows) -> Vec<Value> {
    rows.rows
        .into_iter()
        .map(|row| {
            let fields: Map<String, Value> = rows
                .columns
                .iter()
                .cloned()
                .zip(row.into_iter().map(json))
                .collect();
            Value::Object(fields)
        })
        .collect()
}

fn json(value: SqlValue) -> Value {
    match value {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(n) => Value::from(n),
        SqlValue::Real(x) => Value::from(x),
        SqlValue::Text(text) => Value::String(text),
        SqlValue::Blob(bytes) => Value::String(format!("<{} bytes>", bytes.len())),
    }
}
