//! Cloudflare Workers host for edgemcp.
//!
//! One Worker serves the edgemcp toolkits over Streamable HTTP at `/mcp` (and `/health`),
//! backed by the KV namespace, D1 database and R2 bucket bound in `wrangler.toml`:
//!
//! | binding | trait | module |
//! |---|---|---|
//! | `KV` | [`edgemcp::storage::KvStore`] | [`storage::Kv`] |
//! | `DB` | [`edgemcp::storage::SqlDatabase`] | [`storage::D1`] |
//! | `BUCKET` | [`edgemcp::storage::BlobStore`] | [`storage::R2`] |
//! | `RATE_LIMITER` (optional) | [`edgemcp::middleware::RateLimiter`] | [`rate_limit::BindingRateLimiter`] |
//! | `METRICS` (optional) | [`edgemcp::runtime::Logger`] | [`analytics::AnalyticsLogger`] |
//! | `TASKS` (optional, a Durable Object) | [`edgemcp::storage::TaskStore`], [`edgemcp::TaskDelegate`] | [`tasks`] |
//!
//! The server is built once per isolate, on the first request, and reused after that.
//! Configuration comes from Worker vars with the same names as the native host's
//! environment variables (see [`edgemcp::toolkit::ToolkitConfig`]).
//!
//! Requests, responses and bindings go through the Fetch API types of `web-sys` and the
//! binding objects of `env`; of workers-rs only the module start is linked (the state its
//! module shim reads, and the panic hook), which keeps the module small. A Worker built
//! on workers-rs serves its server with `serve(&server, req.inner())`.
//!
//! The crate is empty except on `wasm32`: build it with `scripts/build-worker`.

#![cfg(target_arch = "wasm32")]

pub mod analytics;
mod convert;
mod js;
pub mod rate_limit;
pub mod storage;
pub mod tasks;
pub mod telemetry;

#[cfg(feature = "entry")]
mod entry;

// Links workers-rs's module start: the state the module shim reads, and the panic hook.
#[cfg(feature = "module")]
use worker as _;

use edgemcp::Server;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// The KV namespace binding the toolkits use.
pub const KV_BINDING: &str = "KV";
/// The D1 database binding the toolkits use.
pub const D1_BINDING: &str = "DB";
/// The R2 bucket binding the toolkits use.
pub const R2_BINDING: &str = "BUCKET";
/// The Rate Limiting binding that, when declared, holds the budget of every request
/// across isolates (see [`rate_limit::BindingRateLimiter`]).
pub const RATE_LIMIT_BINDING: &str = "RATE_LIMITER";

/// The toolkits' stores over the bindings of `env` (a Worker's `env`, or any object
/// holding binding objects under [`D1_BINDING`], [`KV_BINDING`] and [`R2_BINDING`]), each
/// behind its circuit breaker (`EDGEMCP_BREAKER_*` from `env`), and `/ready`'s probes of
/// them. A binding that is not there leaves its toolkit out rather than failing.
///
/// # Errors
/// When an `EDGEMCP_BREAKER_*` setting of `env` cannot be read.
// The breakers hold the runtime, which is not `Send` on wasm32: an isolate runs one
// thread, so nothing crosses threads.
#[allow(clippy::arc_with_non_send_sync)]
pub fn toolkit_stores(
    env: &JsValue,
    runtime: &edgemcp::runtime::Runtime,
) -> edgemcp::Result<(edgemcp::toolkit::Stores, edgemcp::Readiness)> {
    use edgemcp::storage::{BreakerSettings, CircuitBreaker, Guarded};
    use std::sync::Arc;
    let settings = BreakerSettings::from_vars(|name| js::string(env, name))?;
    let mut breakers = Vec::new();
    let mut breaker = |store| {
        let breaker = Arc::new(CircuitBreaker::new(store, settings, runtime.clone()));
        breakers.push(breaker.clone());
        breaker
    };
    let stores = edgemcp::toolkit::Stores {
        kv: storage::Kv::new(js::get(env, KV_BINDING))
            .map(|kv| Arc::new(Guarded::new(Arc::new(kv), breaker("kv"))) as _),
        sql: storage::D1::new(js::get(env, D1_BINDING))
            .map(|db| Arc::new(Guarded::new(Arc::new(db), breaker("sql"))) as _),
        blobs: storage::R2::new(js::get(env, R2_BINDING))
            .map(|bucket| Arc::new(Guarded::new(Arc::new(bucket), breaker("blobs"))) as _),
    };
    let readiness = edgemcp::Readiness::new().stores(&stores).breakers(breakers);
    Ok((stores, readiness))
}

/// Answers a Worker request with `server`: the whole Streamable HTTP endpoint (`/mcp`,
/// `/health`), for Workers that build their own [`Server`].
///
/// With the default `entry` feature off (`default-features = false, features =
/// ["module"]`), this crate exports no `fetch` handler of its own, so another Worker crate
/// can serve its server with it:
///
/// ```ignore
/// #[wasm_bindgen::prelude::wasm_bindgen]
/// pub async fn fetch(req: web_sys::Request, env: JsValue, _ctx: JsValue) -> Result<web_sys::Response, JsValue> {
///     match edgemcp_worker::per_isolate(|| my_server(&env)) {
///         Ok(server) => edgemcp_worker::serve(&server, &req).await,
///         Err(err) => edgemcp_worker::startup_failure(&err),
///     }
/// }
/// ```
///
/// # Errors
/// Only when workerd refuses to read the request or build the response.
pub async fn serve(server: &Server, req: &web_sys::Request) -> Result<web_sys::Response, JsValue> {
    let request = convert::request(req, server.http_config().max_body_bytes).await?;
    convert::response(server.handle_http(request).await)
}

/// A whole Worker `fetch` handler for a server of your own: the server `build` makes
/// from `env` (once per isolate, see [`per_isolate`]) answers `req`, and the request's
/// spans go out in `ctx.waitUntil` when OTLP export is configured ([`runtime`]). A
/// server that cannot be built answers with [`startup_failure`]. [`fetch_handler!`]
/// writes the exported function around it.
///
/// # Errors
/// Only when workerd refuses to read the request or build the response.
pub async fn fetch(
    req: &web_sys::Request,
    env: &JsValue,
    ctx: &JsValue,
    build: impl FnOnce(&JsValue) -> edgemcp::Result<Server>,
) -> Result<web_sys::Response, JsValue> {
    let response = match per_isolate(|| build(env)) {
        Ok(server) => serve(&server, req).await,
        Err(err) => startup_failure(&err),
    };
    // After the response is made: the request's spans go out in `waitUntil`.
    telemetry::export(ctx);
    response
}

/// The Worker runtime a server of your own builds on: `Date.now()`, `setTimeout` and
/// WebCrypto, with spans exported over OTLP when `EDGEMCP_OTLP_*` vars of `env` ask for
/// it, and each message also a data point in the Analytics Engine dataset bound as
/// `METRICS`, when one is.
///
/// # Errors
/// When an `EDGEMCP_OTLP_*` var of `env` is malformed.
pub fn runtime(env: &JsValue) -> edgemcp::Result<edgemcp::runtime::Runtime> {
    observed(env, edgemcp::runtime::web::runtime())
}

/// `runtime` with the span export and data points `env` asks for (see [`runtime`]).
pub(crate) fn observed(
    env: &JsValue,
    mut runtime: edgemcp::runtime::Runtime,
) -> edgemcp::Result<edgemcp::runtime::Runtime> {
    if let Some((spans, sampler)) = telemetry::configure(env)? {
        runtime = runtime.with_spans(spans, sampler);
    }
    let dataset = js::get(env, analytics::ANALYTICS_BINDING);
    if js::has_method(&dataset, "writeDataPoint") {
        runtime = runtime.with_logger(analytics::AnalyticsLogger::new(
            dataset,
            edgemcp::runtime::web::ConsoleLogger,
        ));
    }
    Ok(runtime)
}

/// Exports the Worker's `fetch` handler: the server `build` makes from `env` (a function
/// or closure `Fn(&JsValue) -> edgemcp::Result<Server>`) answers every request (see
/// [`fetch`](crate::fetch())). The crate using it depends on `wasm-bindgen`, `js-sys` and
/// `web-sys` (`Request`, `Response`), and on this crate with `default-features = false, features =
/// ["module"]`.
///
/// ```ignore
/// fn build(env: &wasm_bindgen::JsValue) -> edgemcp::Result<edgemcp::Server> {
///     edgemcp::Server::builder("my-worker", "1.0.0").build(edgemcp_worker::runtime(env)?)
/// }
///
/// edgemcp_worker::fetch_handler!(build);
/// ```
#[macro_export]
macro_rules! fetch_handler {
    ($build:expr) => {
        /// The Worker's `fetch` handler.
        #[::wasm_bindgen::prelude::wasm_bindgen]
        #[allow(unreachable_pub)] // exported to JavaScript, not to Rust
        pub fn fetch(
            req: ::web_sys::Request,
            env: ::wasm_bindgen::JsValue,
            ctx: ::wasm_bindgen::JsValue,
        ) -> ::js_sys::Promise {
            $crate::fetch_promise(req, env, ctx, $build)
        }
    };
}

/// [`fetch`](crate::fetch()) as the promise [`fetch_handler!`] returns to workerd, so the
/// crate using the macro needs no `wasm-bindgen-futures` of its own.
#[doc(hidden)]
pub fn fetch_promise(
    req: web_sys::Request,
    env: JsValue,
    ctx: JsValue,
    build: impl FnOnce(&JsValue) -> edgemcp::Result<Server> + 'static,
) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        fetch(&req, &env, &ctx, build).await.map(JsValue::from)
    })
}

thread_local! {
    // One isolate runs one thread: the server built for the first request serves the rest.
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

/// The server of this isolate: built with `build` on the first call, the same server on
/// every call after that. A build that fails is tried again on the next call.
///
/// # Errors
/// `build`'s error; answer it with [`startup_failure`].
pub fn per_isolate(build: impl FnOnce() -> edgemcp::Result<Server>) -> edgemcp::Result<Server> {
    if let Some(server) = SERVER.with(|cell| cell.borrow().clone()) {
        return Ok(server);
    }
    let server = build()?;
    SERVER.with(|cell| *cell.borrow_mut() = Some(server.clone()));
    Ok(server)
}

/// The answer when the server cannot be built: logged, and a 500 whose body says what is
/// wrong (a missing or malformed setting), so the operator sees it in the first response.
///
/// # Errors
/// Only when workerd refuses to build the response.
pub fn startup_failure(err: &edgemcp::Error) -> Result<web_sys::Response, JsValue> {
    let text = format!("The MCP server is misconfigured: {err}");
    web_sys::console::error_1(&JsValue::from_str(&format!("edgemcp: {text}")));
    convert::plain(500, &text)
}
