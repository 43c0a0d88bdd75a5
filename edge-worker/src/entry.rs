//! The Worker's own entry: the toolkits over the KV, D1 and R2 bindings (feature `entry`).

use crate::{rate_limit, serve, storage, D1_BINDING, KV_BINDING, R2_BINDING, RATE_LIMIT_BINDING};
use edgemcp::storage::{BreakerSettings, CircuitBreaker, Guarded};
use edgemcp::toolkit::{Stores, ToolkitConfig};
use edgemcp::Server;
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use worker::{event, Env, Request, Response};

thread_local! {
    // One isolate runs one thread: the server built for the first request serves the rest.
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: worker::Context) -> worker::Result<Response> {
    let server = match SERVER.with(|cell| cell.borrow().clone()) {
        Some(server) => server,
        None => match build_server(&env) {
            Ok(server) => {
                SERVER.with(|cell| *cell.borrow_mut() = Some(server.clone()));
                server
            }
            Err(err) => {
                worker::console_error!("edgemcp: the server could not start: {err}");
                return Response::error(format!("The MCP server is misconfigured: {err}"), 500);
            }
        },
    };
    serve(&server, req).await
}

/// Builds the server from the Worker's bindings and vars.
// The breakers hold the runtime, which is not `Send` on wasm32: a Worker isolate runs one
// thread, so nothing crosses threads.
#[allow(clippy::arc_with_non_send_sync)]
fn build_server(env: &Env) -> edgemcp::Result<Server> {
    // Secrets (`wrangler secret put`) first, then plain vars, under the same names.
    let var = |name: &str| {
        env.secret(name)
            .or_else(|_| env.var(name))
            .ok()
            .map(|v| v.to_string())
    };
    let config = ToolkitConfig::from_vars(var)?;
    // A missing binding leaves that toolkit out rather than failing the Worker. Each store
    // sits behind a circuit breaker, per isolate.
    let runtime = edgemcp::runtime::web::runtime();
    let settings = BreakerSettings::from_vars(var)?;
    let breaker = |store| Arc::new(CircuitBreaker::new(store, settings, runtime.clone()));
    let stores =
        Stores {
            kv: env.kv(KV_BINDING).ok().map(|kv| {
                Arc::new(Guarded::new(Arc::new(storage::Kv::new(kv)), breaker("kv"))) as _
            }),
            sql: env.d1(D1_BINDING).ok().map(|db| {
                Arc::new(Guarded::new(Arc::new(storage::D1::new(db)), breaker("sql"))) as _
            }),
            blobs: env.bucket(R2_BINDING).ok().map(|bucket| {
                Arc::new(Guarded::new(
                    Arc::new(storage::R2::new(bucket)),
                    breaker("blobs"),
                )) as _
            }),
        };
    let builder = Server::builder("edgemcp-worker", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Data tools at the edge: sql_* query the D1 database (read-only SELECTs, bound parameters), \
             kv_* read and write the KV namespace, blob_* read and write the R2 bucket.",
        );
    let mut builder = builder.settings_from_vars(var)?;
    // Declared: the limit holds across isolates and locations. Not declared: in-memory
    // buckets, per isolate, if EDGEMCP_RATE_LIMIT_* asks for limits.
    let binding = js_sys::Reflect::get(env, &RATE_LIMIT_BINDING.into()).ok();
    if let Some(binding) = binding.and_then(|b| b.dyn_into::<js_sys::Object>().ok()) {
        let period = match var("EDGEMCP_RATE_LIMIT_PERIOD_SECONDS") {
            None => 60,
            Some(s) => s.trim().parse::<u64>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                edgemcp::Error::config(format!(
                    "EDGEMCP_RATE_LIMIT_PERIOD_SECONDS must be the binding's period in seconds (10 or 60), not {s:?}."
                ))
            })?,
        };
        let limiter =
            rate_limit::BindingRateLimiter::new(binding, std::time::Duration::from_secs(period));
        builder = builder.shared_rate_limiter(Arc::new(limiter));
    }
    let mut builder = edgemcp::toolkit::register(builder, &stores, &config)?;
    // fetch and WebCrypto: JWT keys and signatures need no crypto code in the module.
    if let Some(auth) = edgemcp::auth::Auth::from_vars(var, &runtime)? {
        builder = builder.auth(auth);
    }
    builder.build(runtime)
}
