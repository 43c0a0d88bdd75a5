//! The product's own servers: SQL, key-value and object-store tools over the storage
//! traits, shared by every host.
//!
//! ```
//! use edgemcp::{Server, runtime::Runtime, storage::MemoryKv, toolkit::{Stores, ToolkitConfig}};
//! use std::sync::Arc;
//!
//! let runtime = Runtime::for_tests(0);
//! let stores = Stores { kv: Some(Arc::new(MemoryKv::new(runtime.clone()))), ..Stores::default() };
//! let server = edgemcp::toolkit::register(Server::builder("data", "1.0.0"), &stores, &ToolkitConfig::default())?
//!     .build(runtime)?;
//! # Ok::<(), edgemcp::Error>(())
//! ```

pub(crate) mod blob;
pub(crate) mod config;
mod content;
mod kv;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod schema_check;
mod schemas;
mod scopes;
mod space;
pub(crate) mod sql;
mod workflows;

pub use config::{
    parse_flag, BlobConfig, KvConfig, SqlConfig, ToolkitConfig, SQL_MAX_RESULT_BYTES, SQL_ROW_CAP,
};
pub use scopes::{READ_SCOPE, WRITE_SCOPE};
use space::KeySpace;
#[cfg(any(test, feature = "testing"))]
pub use sql::corpus as sql_corpus;
pub use sql::policy as sql_policy;
#[cfg(feature = "postgres")]
pub use sql::postgres as sql_postgres;

use crate::storage::{BlobStore, KvStore, SqlDatabase};
use crate::{Error, Result, ServerBuilder};
use std::sync::Arc;

/// The backends the toolkits run on; a missing one leaves its tools out.
#[derive(Clone, Default)]
pub struct Stores {
    /// The key-value store behind the `kv_*` tools.
    pub kv: Option<Arc<dyn KvStore>>,
    /// The database behind the `sql_*` tools and the `sql://` resources.
    pub sql: Option<Arc<dyn SqlDatabase>>,
    /// The object store behind the `blob_*` tools.
    pub blobs: Option<Arc<dyn BlobStore>>,
}

/// Registers the tools (and, for SQL, the resources) of every enabled toolkit whose store
/// is present.
///
/// # Errors
/// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) when tenant isolation is
/// on and the SQL tools would be offered over one database every tenant reads (unless
/// [`SqlConfig::shared_across_tenants`] says it is meant to be shared); otherwise only when
/// a registration is invalid, which would be a bug in the toolkit.
pub fn register(
    mut builder: ServerBuilder,
    stores: &Stores,
    config: &ToolkitConfig,
) -> Result<ServerBuilder> {
    let first = builder.tool_count();
    if let (Some(db), true) = (&stores.sql, config.sql.enabled) {
        if config.tenant_isolation && !config.sql.shared_across_tenants {
            return Err(Error::config(
                "Tenant isolation (EDGEMCP_AUTH_TENANT_ISOLATION=true) confines the KV and \
                 blob tools to each tenant, but every tenant would read the same SQL \
                 database. Turn the SQL tools off (EDGEMCP_SQL_ENABLED=false), or, if the \
                 database is meant to be shared by all tenants, say so with \
                 EDGEMCP_SQL_SHARED_ACROSS_TENANTS=true.",
            ));
        }
        builder = sql::register(builder, db.clone(), &config.sql)?;
        if config.workflows {
            builder = builder
                .workflow(workflows::explore_database())
                .workflow(workflows::inspect_table());
        }
    }
    if let (Some(kv), true) = (&stores.kv, config.kv.enabled) {
        let space = KeySpace::new(&config.kv.prefix, config.tenant_isolation);
        builder = builder.tools(kv::tools(kv.clone(), &config.kv, space)?);
        if config.workflows {
            builder = builder.workflow(workflows::kv_inventory());
        }
    }
    if let (Some(blobs), true) = (&stores.blobs, config.blob.enabled) {
        let space = KeySpace::new(&config.blob.prefix, config.tenant_isolation);
        if let (Some(db), true) = (&stores.sql, config.sql.enabled) {
            builder = builder.tool(sql::export::tool(
                db.clone(),
                blobs.clone(),
                &config.sql,
                space.clone(),
            )?);
        }
        builder = builder.tools(blob::tools(blobs.clone(), &config.blob, space)?);
        if config.workflows {
            builder = builder.workflow(workflows::blob_inventory());
        }
    }
    // With access control on, reading needs `mcp:read` and changing anything `mcp:write`.
    Ok(builder.default_scopes_from(first, |tool| {
        let read_only = tool
            .annotations
            .as_ref()
            .and_then(|a| a.read_only_hint)
            .unwrap_or(false);
        if read_only {
            READ_SCOPE
        } else {
            WRITE_SCOPE
        }
    }))
}
