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
//!
//! The server is built once per isolate, on the first request, and reused after that.
//! Configuration comes from Worker vars with the same names as the native host's
//! environment variables (see [`edgemcp::toolkit::ToolkitConfig`]).
//!
//! The crate is empty except on `wasm32`: build it with `scripts/build-worker`.

#![cfg(target_arch = "wasm32")]

mod convert;
pub mod rate_limit;
pub mod storage;

#[cfg(feature = "entry")]
mod entry;

use edgemcp::Server;
use worker::{Request, Response};

/// The KV namespace binding the toolkits use.
pub const KV_BINDING: &str = "KV";
/// The D1 database binding the toolkits use.
pub const D1_BINDING: &str = "DB";
/// The R2 bucket binding the toolkits use.
pub const R2_BINDING: &str = "BUCKET";
/// The Rate Limiting binding that, when declared, holds the budget of every request
/// across isolates (see [`rate_limit::BindingRateLimiter`]).
pub const RATE_LIMIT_BINDING: &str = "RATE_LIMITER";

/// Answers a Worker request with `server`: the whole Streamable HTTP endpoint (`/mcp`,
/// `/health`), for Workers that build their own [`Server`].
///
/// With the default `entry` feature off, this crate exports no `fetch` handler of its
/// own, so another Worker crate can serve its server with it:
///
/// ```ignore
/// #[worker::event(fetch)]
/// async fn fetch(req: worker::Request, _env: worker::Env, _ctx: worker::Context) -> worker::Result<worker::Response> {
///     edgemcp_worker::serve(&my_server()?, req).await
/// }
/// ```
///
/// # Errors
/// Only when workerd refuses to read the request or build the response.
pub async fn serve(server: &Server, req: Request) -> worker::Result<Response> {
    let request = convert::request(req, server.http_config().max_body_bytes).await?;
    convert::response(server.handle_http(request).await)
}
