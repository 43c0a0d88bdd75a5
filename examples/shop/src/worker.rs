//! The shop as a Worker: its tools on the D1 database bound as `DB`.

use edgemcp::{Error, Server};
use std::sync::Arc;
use wasm_bindgen::JsValue;

/// The server of one isolate, from the Worker's `env`.
fn build(env: &JsValue) -> edgemcp::Result<Server> {
    let binding = js_sys::Reflect::get(env, &JsValue::from_str("DB")).unwrap_or(JsValue::UNDEFINED);
    let db = edgemcp_worker::storage::D1::new(binding)
        .ok_or_else(|| Error::config("Bind a D1 database as `DB` in wrangler.toml."))?;
    super::server(Arc::new(db), edgemcp_worker::runtime(env)?)
}

edgemcp_worker::fetch_handler!(build);
