//! Key-value tools: `kv_get`, `kv_put`, `kv_list`, `kv_delete`.

use super::content::{decode_content, encode_content, Encoding};
use super::schemas;
use super::space::{page_limit, within_prefix, KeySpace};
use crate::protocol::ToolAnnotations;
use crate::storage::{KvPut, KvStore};
use crate::toolkit::config::KvConfig;
use crate::{Error, Result, Tool};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The largest metadata object, serialized (the Workers KV limit).
const MAX_METADATA_BYTES: usize = 1024;
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct KeyArgs {
    /// The key.
    key: String,
}

#[derive(Serialize, JsonSchema)]
struct GetOutput {
    /// The key that was read.
    key: String,
    /// Whether the key exists.
    found: bool,
    /// The value: UTF-8 text, or base64 when the bytes are not text.
    value: Option<String>,
    /// How `value` is encoded: `utf8` or `base64`.
    encoding: Option<Encoding>,
    /// The metadata object stored with the value.
    metadata: Option<Value>,
    /// When the entry expires, in milliseconds since the Unix epoch, if known.
    expires_at_ms: Option<u64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PutArgs {
    /// The key.
    key: String,
    /// The value to store.
    value: String,
    /// How `value` is encoded: `utf8` (default) or `base64` for binary data.
    #[serde(default)]
    encoding: Encoding,
    /// Seconds until the entry expires; omit to keep it until deleted.
    ttl_seconds: Option<u64>,
    /// A JSON object stored with the value (at most 1024 bytes serialized).
    metadata: Option<Value>,
}

#[derive(Serialize, JsonSchema)]
struct PutOutput {
    /// The key written.
    key: String,
    /// The size of the stored value, in bytes.
    bytes: usize,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    /// Only keys starting with this prefix.
    #[serde(default)]
    prefix: String,
    /// The `cursor` of the previous page, to continue.
    cursor: Option<String>,
    /// Keys per page, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<usize>,
}

#[derive(Serialize, JsonSchema)]
struct ListedKey {
    /// The key.
    key: String,
    /// When it expires, in milliseconds since the Unix epoch, if it does.
    expires_at_ms: Option<u64>,
    /// Its metadata object, if any.
    metadata: Option<Value>,
}

#[derive(Serialize, JsonSchema)]
struct ListOutput {
    /// Keys in ascending order.
    keys: Vec<ListedKey>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct DeleteOutput {
    /// The key deleted (deleting a missing key succeeds too).
    key: String,
    /// Always true: the key no longer exists.
    deleted: bool,
}

/// The KV tools over `store`.
pub(crate) fn tools(
    store: Arc<dyn KvStore>,
    config: &KvConfig,
    space: KeySpace,
) -> Result<Vec<Tool>> {
    let cap = store.capability();
    let scope = Arc::new(Scope {
        space,
        max_key_bytes: if cap.max_key_bytes == 0 {
            512
        } else {
            cap.max_key_bytes
        },
    });
    let max_value = config.max_value_bytes.min(if cap.max_value_bytes == 0 {
        usize::MAX
    } else {
        cap.max_value_bytes
    });
    let min_ttl = cap.min_ttl_seconds;
    let mut tools = Vec::new();

    let (s, sc) = (store.clone(), scope.clone());
    tools.push(
        schemas::typed(
            "kv_get",
            "Reads one key from the key-value store.",
            move |args: KeyArgs, cx| {
                let (store, scope) = (s.clone(), sc.clone());
                let prefix = sc.space.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = scope.key(&prefix, &args.key)?;
                    let entry = store.get(&full).await?;
                    Ok(match entry {
                        None => GetOutput {
                            key: args.key,
                            found: false,
                            value: None,
                            encoding: None,
                            metadata: None,
                            expires_at_ms: None,
                        },
                        Some(entry) => {
                            let (value, encoding) = encode_content(entry.value);
                            GetOutput {
                                key: args.key,
                                found: true,
                                value: Some(value),
                                encoding: Some(encoding),
                                metadata: entry.metadata,
                                expires_at_ms: entry.expires_at_ms,
                            }
                        }
                    })
                }
            },
        )?
        .title("Read a key")
        .annotations(ToolAnnotations::read_only()),
    );

    let (s, sc) = (store.clone(), scope.clone());
    tools.push(
        schemas::typed(
            "kv_put",
            "Writes one key to the key-value store, replacing any value it had.",
            move |args: PutArgs, cx| {
                let (store, scope) = (s.clone(), sc.clone());
                let prefix = sc.space.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = scope.key(&prefix, &args.key)?;
                    let bytes = decode_content(&args.value, args.encoding, "value")?;
                    if bytes.len() > max_value {
                        return Err(Error::invalid_params(format!(
                            "The value is {} bytes; the limit is {max_value}. Store smaller values or split them over several keys.",
                            bytes.len()
                        )));
                    }
                    let mut options = KvPut::new();
                    if let Some(ttl) = args.ttl_seconds {
                        if ttl < min_ttl.max(1) {
                            return Err(Error::invalid_params(format!(
                                "ttl_seconds is {ttl}; this store needs at least {}.",
                                min_ttl.max(1)
                            )));
                        }
                        options = options.ttl_seconds(ttl);
                    }
                    if let Some(metadata) = args.metadata {
                        let size = metadata.to_string().len();
                        if !metadata.is_object() || size > MAX_METADATA_BYTES {
                            return Err(Error::invalid_params(format!(
                                "metadata must be a JSON object of at most {MAX_METADATA_BYTES} bytes; received {} of {size} bytes.",
                                crate::jsonrpc::describe(&metadata)
                            )));
                        }
                        options = options.metadata(metadata);
                    }
                    let size = bytes.len();
                    store.put(&full, bytes, options).await?;
                    Ok(PutOutput { key: args.key, bytes: size })
                }
            },
        )?
        .title("Write a key")
        .annotations(ToolAnnotations::destructive().idempotent(true)),
    );

    let (s, sc) = (store.clone(), scope.clone());
    tools.push(
        schemas::typed(
            "kv_list",
            "Lists keys of the key-value store by prefix, a page at a time.",
            move |args: ListArgs, cx| {
                let store = s.clone();
                let prefix = sc.space.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let limit = page_limit(args.limit)?;
                    let full_prefix = format!("{prefix}{}", args.prefix);
                    let page = store
                        .list(&full_prefix, args.cursor.as_deref(), limit)
                        .await?;
                    let keys = page
                        .keys
                        .into_iter()
                        .filter_map(|k| {
                            let key = k.name.strip_prefix(&prefix)?.to_owned();
                            Some(ListedKey {
                                key,
                                expires_at_ms: k.expires_at_ms,
                                metadata: k.metadata,
                            })
                        })
                        .collect();
                    Ok(ListOutput {
                        keys,
                        cursor: page.cursor,
                    })
                }
            },
        )?
        .title("List keys")
        .annotations(ToolAnnotations::read_only()),
    );

    let (s, sc) = (store, scope);
    tools.push(
        schemas::typed(
            "kv_delete",
            "Deletes one key from the key-value store.",
            move |args: KeyArgs, cx| {
                let (store, scope) = (s.clone(), sc.clone());
                let prefix = sc.space.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = scope.key(&prefix, &args.key)?;
                    store.delete(&full).await?;
                    Ok(DeleteOutput {
                        key: args.key,
                        deleted: true,
                    })
                }
            },
        )?
        .title("Delete a key")
        .annotations(ToolAnnotations::destructive().idempotent(true)),
    );
    Ok(tools)
}

/// Where the caller's keys live, and how long they may be.
struct Scope {
    space: KeySpace,
    max_key_bytes: usize,
}

impl Scope {
    /// `key` under `prefix` (the configured prefix, and the tenant's when isolated).
    fn key(&self, prefix: &str, key: &str) -> Result<String> {
        if key.is_empty() {
            return Err(Error::invalid_params(
                "The key is empty; give a key of at least one character.",
            ));
        }
        if key.chars().any(char::is_control) {
            return Err(Error::invalid_params(
                "The key contains control characters; use printable characters only.",
            ));
        }
        let full = within_prefix(prefix, key);
        if full.len() > self.max_key_bytes {
            return Err(Error::invalid_params(format!(
                "The key is {} bytes{}; the limit is {}. Use a shorter key.",
                full.len(),
                if prefix.is_empty() {
                    ""
                } else {
                    " with the server's prefix"
                },
                self.max_key_bytes
            )));
        }
        Ok(full)
    }
}

/// The schemas `schemas.json` must hold for these tools, derived from their types.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(super) fn derived_schemas() -> Vec<schemas::Derived> {
    use crate::tool::{output_schema_of, schema_of};
    vec![
        (
            "kv_get",
            schema_of::<KeyArgs>(),
            output_schema_of::<GetOutput>(),
        ),
        (
            "kv_put",
            schema_of::<PutArgs>(),
            output_schema_of::<PutOutput>(),
        ),
        (
            "kv_list",
            schema_of::<ListArgs>(),
            output_schema_of::<ListOutput>(),
        ),
        (
            "kv_delete",
            schema_of::<KeyArgs>(),
            output_schema_of::<DeleteOutput>(),
        ),
    ]
}
