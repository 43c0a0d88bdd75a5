//! The Worker's own entry: the toolkits over the KV, D1 and R2 bindings (feature `entry`).

use crate::{js, rate_limit, storage, D1_BINDING, KV_BINDING, R2_BINDING, RATE_LIMIT_BINDING};
use edgemcp::storage::{BreakerSettings, CircuitBreaker, Guarded};
use edgemcp::toolkit::{Stores, ToolkitConfig};
use edgemcp::Server;
use std::sync::Arc;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// The Worker's `fetch` handler (the module shim calls it with `env` and the context).
#[wasm_bindgen]
#[allow(unreachable_pub)] // exported to JavaScript, not to Rust
pub async fn fetch(
    req: web_sys::Request,
    env: JsValue,
    _ctx: JsValue,
) -> Result<web_sys::Response, JsValue> {
    match crate::per_isolate(|| build_server(&env)) {
        Ok(server) => crate::serve(&server, &req).await,
        Err(err) => crate::startup_failure(&err),
    }
}

/// Builds the server from the Worker's bindings and vars.
// The breakers hold the runtime, which is not `Send` on wasm32: a Worker isolate runs one
// thread, so nothing crosses threads.
#[allow(clippy::arc_with_non_send_sync)]
fn build_server(env: &JsValue) -> edgemcp::Result<Server> {
    // Secrets (`wrangler secret put`) and plain vars are both strings on `env`.
    let var = |name: &str| js::string(env, name);
    let config = ToolkitConfig::from_vars(var)?;
    // A missing binding leaves that toolkit out rather than failing the Worker. Each store
    // sits behind a circuit breaker, per isolate.
    let runtime = edgemcp::runtime::web::runtime();
    let settings = BreakerSettings::from_vars(var)?;
    let breaker = |store| Arc::new(CircuitBreaker::new(store, settings, runtime.clone()));
    let stores = Stores {
        kv: storage::Kv::new(js::get(env, KV_BINDING))
            .map(|kv| Arc::new(Guarded::new(Arc::new(kv), breaker("kv"))) as _),
        sql: storage::D1::new(js::get(env, D1_BINDING))
            .map(|db| Arc::new(Guarded::new(Arc::new(db), breaker("sql"))) as _),
        blobs: storage::R2::new(js::get(env, R2_BINDING))
            .map(|bucket| Arc::new(Guarded::new(Arc::new(bucket), breaker("blobs"))) as _),
    };
    let builder = Server::builder("edgemcp-worker", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Data tools at the edge: sql_* query the D1 database (read-only SELECTs, bound parameters), \
             kv_* read and write the KV namespace, blob_* read and write the R2 bucket.",
        );
    let mut builder = builder.settings_from_vars(var)?;
    // Declared: the limit holds across isolates and locations. Not declared: in-memory
    // buckets, per isolate, if EDGEMCP_RATE_LIMIT_* asks for limits.
    let binding = js::get(env, RATE_LIMIT_BINDING);
    if js::has_method(&binding, "limit") {
        let period = match var("EDGEMCP_RATE_LIMIT_PERIOD_SECONDS") {
            None => 60,
            Some(s) => s.trim().parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                edgemcp::Error::config(format!(
                    "EDGEMCP_RATE_LIMIT_PERIOD_SECONDS must be the binding's period in seconds (10 or 60), not {s:?}."
                ))
            })?,
        };
        let limiter = rate_limit::BindingRateLimiter::new(
            binding.into(),
            std::time::Duration::from_secs(period),
        );
        builder = builder.shared_rate_limiter(Arc::new(limiter));
    }
    let mut builder = edgemcp::toolkit::register(builder, &stores, &config)?;
    // fetch and WebCrypto: JWT keys and signatures need no crypto code in the module.
    if let Some(auth) = edgemcp::auth::Auth::from_vars(var, &runtime)? {
        builder = builder.auth(auth);
    }
    builder.build(runtime)
}
