//! The toolkit tools' JSON Schemas, generated from their argument and result types and
//! kept in `schemas.json`, so a build that only serves the toolkits (the Worker) links
//! no schema generator: deriving them at start-up cost the Worker about 20 KB gzipped.
//!
//! The test `checked_in_schemas_match_the_types` derives them again and fails on any
//! difference; after changing a type or its doc comments, rewrite the file with
//! `EDGEMCP_UPDATE_SCHEMAS=1 cargo test -p edgemcp --lib checked_in_schemas`.

use crate::runtime::{MaybeSend, MaybeSync};
use crate::{Error, RequestContext, Result, Tool};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::OnceLock;

/// `schemas.json`, read once.
pub(super) fn all() -> Result<&'static Map<String, Value>> {
    static SCHEMAS: OnceLock<Option<Map<String, Value>>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            // `build.rs` copies the file here without its whitespace.
            serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/schemas.min.json"))).ok()
        })
        .as_ref()
        .ok_or_else(|| {
            Error::internal("The toolkit schemas (toolkit/schemas.json) are not valid JSON.")
        })
}

/// The input schema of toolkit tool `tool`.
pub(super) fn input(tool: &str) -> Result<Value> {
    all()?
        .get(tool)
        .and_then(|schemas| schemas.get("input"))
        .cloned()
        .ok_or_else(|| {
            Error::internal(format!(
                "toolkit/schemas.json has no input schema for {tool}."
            ))
        })
}

/// The output schema of toolkit tool `tool`, when its results are structured.
pub(super) fn output(tool: &str) -> Result<Option<Value>> {
    Ok(all()?
        .get(tool)
        .and_then(|schemas| schemas.get("output"))
        .cloned())
}

/// A typed toolkit tool whose schemas come from `schemas.json`.
pub(super) fn typed<I, O, F, Fut>(
    name: &'static str,
    description: impl Into<String>,
    handler: F,
) -> Result<Tool>
where
    I: DeserializeOwned + 'static,
    O: Serialize + 'static,
    F: Fn(I, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<O>> + MaybeSend + 'static,
{
    Ok(Tool::typed_with_schemas(
        name,
        description,
        input(name)?,
        output(name)?,
        handler,
    ))
}

/// A tool's name with the schemas its types derive, for the drift test.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(super) type Derived = (&'static str, Value, Option<Value>);
