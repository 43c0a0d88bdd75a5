//! Cloudflare Workers host for edgemcp.
//!
//! Not built yet: the Worker entry point, the KV / D1 / R2 storage implementations and
//! the `wrangler.toml` wiring arrive with the Workers host. Until then this crate only
//! proves the core links into a `cdylib`.

pub use edgemcp;
