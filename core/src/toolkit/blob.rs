//! Object-store tools: `blob_list`, `blob_head`, `blob_get`, `blob_put`, `blob_delete`.

use super::content::{decode_content, Encoding};
use super::schemas;
use super::space::{page_limit, within_prefix, KeySpace};
use crate::protocol::{Content, ResourceContents, ToolAnnotations};
use crate::storage::{BlobMeta, BlobPut, BlobStore};
use crate::toolkit::config::BlobConfig;
use crate::{Error, Result, Tool, ToolResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// The longest object key, in bytes (the R2 and S3 limit).
const MAX_KEY_BYTES: usize = 1024;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct KeyArgs {
    /// The object's key, such as `reports/2026/q1.csv`.
    #[schemars(example = &"reports/2026/q1.csv")]
    key: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListArgs {
    /// Only objects whose key starts with this prefix.
    #[serde(default)]
    prefix: String,
    /// The `cursor` of the previous page, to continue.
    cursor: Option<String>,
    /// Objects per page, 1 to 1000 (default 100).
    #[schemars(range(min = 1, max = 1000))]
    limit: Option<usize>,
}

#[derive(Serialize, JsonSchema)]
struct ObjectInfo {
    /// The object's key.
    key: String,
    /// Its size in bytes.
    size: u64,
    /// Its content type, if stored.
    content_type: Option<String>,
    /// An opaque version tag.
    etag: Option<String>,
    /// Last write, in milliseconds since the Unix epoch, if known.
    uploaded_at_ms: Option<u64>,
}

#[derive(Serialize, JsonSchema)]
struct ListOutput {
    /// Objects in ascending key order.
    objects: Vec<ObjectInfo>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    cursor: Option<String>,
}

#[derive(Serialize, JsonSchema)]
struct HeadOutput {
    /// Whether the object exists.
    found: bool,
    /// What is known about it, when it exists.
    object: Option<ObjectInfo>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PutArgs {
    /// The object's key: no leading `/`, no `.` or `..` segments, no control characters.
    key: String,
    /// The content: UTF-8 text, or base64 when `encoding` is `base64`.
    content: String,
    /// The MIME type to store, such as `text/csv` (default `application/octet-stream`,
    /// or `text/plain` for UTF-8 content).
    content_type: Option<String>,
    /// How `content` is encoded: `utf8` (default) or `base64`.
    #[serde(default)]
    encoding: Encoding,
}

#[derive(Serialize, JsonSchema)]
struct DeleteOutput {
    /// The key deleted (deleting a missing object succeeds too).
    key: String,
    /// Always true: the object no longer exists.
    deleted: bool,
}

/// The blob tools over `store`.
pub(crate) fn tools(
    store: Arc<dyn BlobStore>,
    config: &BlobConfig,
    space: KeySpace,
) -> Result<Vec<Tool>> {
    let cap = store.capability();
    let max_bytes = if cap.max_object_bytes == 0 {
        config.max_object_bytes
    } else {
        config
            .max_object_bytes
            .min(usize::try_from(cap.max_object_bytes).unwrap_or(usize::MAX))
    };
    let space = Arc::new(space);
    let mut tools = Vec::new();

    let (s, p) = (store.clone(), space.clone());
    tools.push(
        schemas::typed(
            "blob_list",
            "Lists objects in the object store by key prefix, a page at a time.",
            move |args: ListArgs, cx| {
                let store = s.clone();
                let prefix = p.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let limit = page_limit(args.limit)?;
                    let page = store
                        .list(
                            &format!("{prefix}{}", args.prefix),
                            args.cursor.as_deref(),
                            limit,
                        )
                        .await?;
                    let objects = page
                        .objects
                        .into_iter()
                        .filter_map(|m| info(&prefix, m))
                        .collect();
                    Ok(ListOutput {
                        objects,
                        cursor: page.cursor,
                    })
                }
            },
        )?
        .title("List objects")
        .annotations(ToolAnnotations::read_only()),
    );

    let (s, p) = (store.clone(), space.clone());
    tools.push(
        schemas::typed(
            "blob_head",
            "Reads an object's size, type and version without its content.",
            move |args: KeyArgs, cx| {
                let store = s.clone();
                let prefix = p.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = object_key(&prefix, &args.key)?;
                    let meta = store.head(&full).await?;
                    let object = meta.and_then(|m| info(&prefix, m));
                    Ok(HeadOutput {
                        found: object.is_some(),
                        object,
                    })
                }
            },
        )?
        .title("Describe an object")
        .annotations(ToolAnnotations::read_only()),
    );

    let (s, p) = (store.clone(), space.clone());
    tools.push(
        Tool::untyped(
            "blob_get",
            "Reads an object: text types come back as text, anything else as base64 with its MIME type.",
            schemas::input("blob_get")?,
            move |args, cx| {
                let store = s.clone();
                let prefix = p.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let key = args.get("key").and_then(|k| k.as_str()).unwrap_or_default().to_owned();
                    let full = object_key(&prefix, &key)?;
                    let Some(object) = store.get(&full).await? else {
                        return Ok(ToolResult::error(format!(
                            "No object has the key {key:?}. Call blob_list to see which keys exist."
                        )));
                    };
                    if object.body.len() > max_bytes {
                        return Ok(ToolResult::error(format!(
                            "The object is {} bytes; blob_get returns at most {max_bytes}.",
                            object.body.len()
                        )));
                    }
                    let mime = object.meta.content_type.clone().unwrap_or_else(|| "application/octet-stream".into());
                    let uri = format!("blob:///{key}");
                    let contents = if is_text_type(&mime) {
                        match String::from_utf8(object.body) {
                            Ok(text) => ResourceContents::text(uri, mime, text),
                            Err(err) => ResourceContents::blob(uri, mime, err.as_bytes()),
                        }
                    } else {
                        ResourceContents::blob(uri, mime, &object.body)
                    };
                    let mut result = ToolResult::content(vec![Content::resource(contents)]);
                    result.structured = Some(json!({"key": key, "size": object.meta.size}));
                    Ok(result)
                }
            },
        )
        .title("Read an object")
        .annotations(ToolAnnotations::read_only()),
    );

    let (s, p) = (store.clone(), space.clone());
    tools.push(
        schemas::typed(
            "blob_put",
            "Writes an object, replacing any object with the same key.",
            move |args: PutArgs, cx| {
                let store = s.clone();
                let prefix = p.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = object_key(&prefix, &args.key)?;
                    let body = decode_content(&args.content, args.encoding, "content")?;
                    if body.len() > max_bytes {
                        return Err(Error::invalid_params(format!(
                            "The content is {} bytes; the limit is {max_bytes}.",
                            body.len()
                        )));
                    }
                    let content_type = match (args.content_type, args.encoding) {
                        (Some(t), _) => t,
                        (None, Encoding::Utf8) => "text/plain; charset=utf-8".to_owned(),
                        (None, Encoding::Base64) => "application/octet-stream".to_owned(),
                    };
                    let meta = store
                        .put(&full, body, BlobPut::content_type(content_type))
                        .await?;
                    info(&prefix, meta).ok_or_else(|| {
                        Error::internal("The store returned an object outside the prefix.")
                    })
                }
            },
        )?
        .title("Write an object")
        .annotations(ToolAnnotations::destructive().idempotent(true)),
    );

    let (s, p) = (store, space);
    tools.push(
        schemas::typed(
            "blob_delete",
            "Deletes an object.",
            move |args: KeyArgs, cx| {
                let store = s.clone();
                let prefix = p.prefix_for(&cx);
                async move {
                    let prefix = prefix?;
                    let full = object_key(&prefix, &args.key)?;
                    store.delete(&full).await?;
                    Ok(DeleteOutput {
                        key: args.key,
                        deleted: true,
                    })
                }
            },
        )?
        .title("Delete an object")
        .annotations(ToolAnnotations::destructive().idempotent(true)),
    );
    Ok(tools)
}

fn info(prefix: &str, meta: BlobMeta) -> Option<ObjectInfo> {
    Some(ObjectInfo {
        key: meta.key.strip_prefix(prefix)?.to_owned(),
        size: meta.size,
        content_type: meta.content_type,
        etag: meta.etag,
        uploaded_at_ms: meta.uploaded_at_ms,
    })
}

/// Checks a caller's key and places it under the server's prefix.
///
/// Keys are paths on some backends (a directory natively), so anything that could climb
/// out of the prefix or confuse a filesystem is refused.
pub(crate) fn object_key(prefix: &str, key: &str) -> Result<String> {
    let refuse = |why: &str| {
        Err(Error::invalid_params(format!(
            "The key {key:?} is not allowed: {why}."
        )))
    };
    if key.is_empty() {
        return refuse("it is empty");
    }
    if key.starts_with('/') {
        return refuse("it starts with `/`; keys are relative, like `reports/q1.csv`");
    }
    if key.chars().any(|c| c.is_control()) {
        return refuse("it contains control characters");
    }
    if key.contains('\\') {
        return refuse("it contains `\\`; separate folders with `/`");
    }
    if key
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return refuse("`.` and `..` segments are not allowed");
    }
    if key.split('/').any(str::is_empty) {
        return refuse("it has an empty segment (`//` or a trailing `/`)");
    }
    let full = within_prefix(prefix, key);
    if full.len() > MAX_KEY_BYTES {
        return refuse(&format!("it is longer than {MAX_KEY_BYTES} bytes"));
    }
    Ok(full)
}

/// Whether a MIME type is text a model can read as such.
fn is_text_type(mime: &str) -> bool {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || matches!(
            essence.as_str(),
            "application/json"
                | "application/jsonl"
                | "application/x-ndjson"
                | "application/xml"
                | "application/javascript"
                | "application/yaml"
                | "application/x-yaml"
                | "application/sql"
                | "image/svg+xml"
        )
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
}

/// The schemas `schemas.json` must hold for these tools, derived from their types.
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(super) fn derived_schemas() -> Vec<schemas::Derived> {
    use crate::tool::{output_schema_of, schema_of};
    vec![
        (
            "blob_list",
            schema_of::<ListArgs>(),
            output_schema_of::<ListOutput>(),
        ),
        (
            "blob_head",
            schema_of::<KeyArgs>(),
            output_schema_of::<HeadOutput>(),
        ),
        ("blob_get", schema_of::<KeyArgs>(), None),
        (
            "blob_put",
            schema_of::<PutArgs>(),
            output_schema_of::<ObjectInfo>(),
        ),
        (
            "blob_delete",
            schema_of::<KeyArgs>(),
            output_schema_of::<DeleteOutput>(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_prefix() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            "a\\b",
            "a\u{0}b",
            "a\nb",
        ] {
            assert!(object_key("t/", bad).is_err(), "{bad:?}");
        }
        assert_eq!(object_key("t/", "a/b.csv").unwrap(), "t/a/b.csv");
        assert_eq!(object_key("", "a..b/c").unwrap(), "a..b/c");
        assert!(object_key("", &"k".repeat(1025)).is_err());
    }

    #[test]
    fn text_types() {
        for t in [
            "text/plain",
            "text/csv; charset=utf-8",
            "application/json",
            "application/ld+json",
            "image/svg+xml",
        ] {
            assert!(is_text_type(t), "{t}");
        }
        for t in ["image/png", "application/octet-stream", "application/pdf"] {
            assert!(!is_text_type(t), "{t}");
        }
    }
}
