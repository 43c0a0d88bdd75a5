//! The Worker's own entry: the toolkits over the KV, D1 and R2 bindings (feature `entry`),
//! and the Durable Object class that keeps their tasks (`TaskObject`, bound as `TASKS`).

use crate::tasks::ObjectDelegate;
use crate::{js, rate_limit, RATE_LIMIT_BINDING};
use edgemcp::toolkit::ToolkitConfig;
use edgemcp::{Server, TaskSettings};
use std::sync::Arc;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// The Worker's `fetch` handler (the module shim calls it with `env` and the context).
#[wasm_bindgen]
#[allow(unreachable_pub)] // exported to JavaScript, not to Rust
pub async fn fetch(
    req: web_sys::Request,
    env: JsValue,
    ctx: JsValue,
) -> Result<web_sys::Response, JsValue> {
    crate::fetch(&req, &env, &ctx, |env| {
        let delegate = ObjectDelegate::from_env(env);
        build_server(
            env,
            edgemcp::runtime::web::runtime(),
            TaskPlace::Delegated(delegate),
        )
    })
    .await
}

// The Durable Object that keeps the tasks of one caller (see `crate::tasks`).
crate::task_object!(|env, runtime, store| build_server(env, runtime, TaskPlace::Kept(store)));

/// Where a server's tasks are kept.
enum TaskPlace {
    /// In the callers' Durable Objects, when the binding is declared: the `fetch` handler.
    Delegated(Option<ObjectDelegate>),
    /// Here: the Durable Object's own server, over its storage.
    Kept(Arc<dyn edgemcp::storage::TaskStore>),
}

/// Builds the server from the Worker's bindings and vars, on `runtime`, its tasks kept
/// where `tasks` says.
// Built by the handler and by the Durable Object: one copy in the module, not two.
#[inline(never)]
fn build_server(
    env: &JsValue,
    runtime: edgemcp::runtime::Runtime,
    tasks: TaskPlace,
) -> edgemcp::Result<Server> {
    // Secrets (`wrangler secret put`) and plain vars are both strings on `env`.
    let var = |name: &str| js::string(env, name);
    let config = ToolkitConfig::from_vars(var)?;
    let runtime = crate::observed(env, runtime)?;
    let (stores, readiness) = crate::toolkit_stores(env, &runtime)?;
    let builder = Server::builder("edgemcp-worker", env!("CARGO_PKG_VERSION"))
        .instructions(
            "Data tools at the edge: sql_* query the D1 database (read-only SELECTs, bound parameters), \
             kv_* read and write the KV namespace, blob_* read and write the R2 bucket.",
        );
    let mut builder = builder.settings_from_vars(var)?.readiness(readiness);
    builder = match tasks {
        TaskPlace::Delegated(Some(delegate)) => builder.delegate_tasks(delegate),
        TaskPlace::Delegated(None) => builder,
        TaskPlace::Kept(store) => builder
            .tasks_in(store)
            .task_settings(TaskSettings::from_vars(var)?),
    };
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
