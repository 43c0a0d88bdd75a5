//! The `toolkits` option: the built-in SQL, KV and blob tools (and their workflows) over
//! binding objects of the Cloudflare shape, as the Worker host serves them.
//!
//! The option is an object like a Worker's `env`: `DB` (a D1 database), `KV` (a KV
//! namespace) and `BUCKET` (an R2 bucket), each optional, plus `EDGEMCP_*` settings with
//! the same names and meanings as on every other host. Inside a JavaScript Worker that is
//! `env` itself; in Node, Deno or Bun it is any object whose bindings have those methods
//! (`getPlatformProxy()` from wrangler gives the local ones).

use crate::convert::field;
use edgemcp::runtime::Runtime;
use edgemcp::toolkit::{Stores, ToolkitConfig};
use edgemcp::{Error, Readiness, Result, ServerBuilder};
use wasm_bindgen::JsValue;

/// The stores and settings the `toolkits` option describes.
pub(crate) struct Toolkits {
    stores: Stores,
    config: ToolkitConfig,
    readiness: Readiness,
}

impl Toolkits {
    /// Reads the option: the bindings that are there, and the settings.
    ///
    /// # Errors
    /// When the option is not an object, or a setting cannot be read (the message names
    /// it).
    pub(crate) fn from_js(env: &JsValue, runtime: &Runtime) -> Result<Self> {
        if !env.is_object() {
            return Err(Error::invalid_params(
                "the server options' `toolkits` must be an object holding the bindings \
                 (DB, KV, BUCKET) and EDGEMCP_* settings, such as a Worker's env",
            ));
        }
        let config = ToolkitConfig::from_vars(|name| setting(env, name))?;
        let (stores, readiness) = edgemcp_worker::toolkit_stores(env, runtime)?;
        if stores.sql.is_none() && stores.kv.is_none() && stores.blobs.is_none() {
            return Err(Error::invalid_params(
                "the server options' `toolkits` hold none of the bindings DB (a D1 database), \
                 KV (a KV namespace) or BUCKET (an R2 bucket)",
            ));
        }
        Ok(Toolkits {
            stores,
            config,
            readiness,
        })
    }

    /// Adds the toolkits' tools, resources and workflows to `builder`, and `/ready`'s
    /// probes of their stores.
    pub(crate) fn register(&self, builder: ServerBuilder) -> Result<ServerBuilder> {
        edgemcp::toolkit::register(builder, &self.stores, &self.config)
            .map(|builder| builder.readiness(self.readiness.clone()))
    }
}

/// A setting of `env` as text: a string as it is, a number or boolean written out (so
/// `EDGEMCP_SQL_MAX_ROWS: 50` works as `"50"` does).
fn setting(env: &JsValue, name: &str) -> Option<String> {
    let value = field(env, name)?;
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    if let Some(number) = value.as_f64() {
        return Some(number.to_string());
    }
    value.as_bool().map(|flag| flag.to_string())
}
