//! Validation of emitted messages against the official MCP JSON Schemas in
//! `shared/mcp-schema/<revision>/schema.json` (override the folder with
//! `EDGEMCP_MCP_SCHEMA_DIR`).

use edgemcp::protocol::ProtocolVersion;
use jsonschema::Validator;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

fn schema_dir() -> PathBuf {
    std::env::var_os("EDGEMCP_MCP_SCHEMA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/mcp-schema"
            ))
        })
}

fn document(version: ProtocolVersion) -> Arc<Value> {
    static DOCS: OnceLock<Mutex<HashMap<ProtocolVersion, Arc<Value>>>> = OnceLock::new();
    let docs = DOCS.get_or_init(Default::default);
    let mut docs = docs.lock().unwrap();
    docs.entry(version)
        .or_insert_with(|| {
            let path = schema_dir().join(version.as_str()).join("schema.json");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            Arc::new(serde_json::from_str(&text).expect("schema is JSON"))
        })
        .clone()
}

fn defs_key(doc: &Value) -> &'static str {
    if doc.get("$defs").is_some() {
        "$defs"
    } else {
        "definitions"
    }
}

/// Whether the revision's schema defines `name`.
pub fn has_def(version: ProtocolVersion, name: &str) -> bool {
    let doc = document(version);
    doc[defs_key(&doc)].get(name).is_some()
}

/// Compiled validators, by revision and JSON pointer of the definition.
type ValidatorCache = Mutex<HashMap<(ProtocolVersion, String), Arc<Validator>>>;

fn validator(version: ProtocolVersion, pointer: &str) -> Arc<Validator> {
    static CACHE: OnceLock<ValidatorCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().unwrap().get(&(version, pointer.to_owned())) {
        return v.clone();
    }
    let mut doc = (*document(version)).clone();
    doc["$ref"] = json!(format!("#{pointer}"));
    let compiled = Arc::new(
        jsonschema::validator_for(&doc)
            .unwrap_or_else(|e| panic!("schema {version} {pointer}: {e}")),
    );
    cache
        .lock()
        .unwrap()
        .insert((version, pointer.to_owned()), compiled.clone());
    compiled
}

/// Asserts `value` is valid as definition `def` of `version`'s schema.
pub fn assert_valid(version: ProtocolVersion, def: &str, value: &Value) {
    let doc = document(version);
    let pointer = format!("/{}/{def}", defs_key(&doc));
    assert!(
        doc.pointer(&pointer).is_some(),
        "{version} has no definition {def}"
    );
    assert_valid_at(version, &pointer, value);
}

fn assert_valid_at(version: ProtocolVersion, pointer: &str, value: &Value) {
    let v = validator(version, pointer);
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid as {pointer} of {version}:\n  {}\nmessage: {value}",
        errors.join("\n  ")
    );
}

/// The result definition of `method`'s response.
fn result_def(method: &str) -> Option<&'static str> {
    Some(match method {
        "initialize" => "InitializeResult",
        "server/discover" => "DiscoverResult",
        "ping" | "logging/setLevel" => "EmptyResult",
        "tools/list" => "ListToolsResult",
        "tools/call" => "CallToolResult",
        "resources/list" => "ListResourcesResult",
        "resources/templates/list" => "ListResourceTemplatesResult",
        "resources/read" => "ReadResourceResult",
        "prompts/list" => "ListPromptsResult",
        "prompts/get" => "GetPromptResult",
        "completion/complete" => "CompleteResult",
        "tasks/get" => "GetTaskResult",
        "tasks/list" => "ListTasksResult",
        "tasks/cancel" => "CancelTaskResult",
        "tasks/result" => "CallToolResult",
        _ => return None,
    })
}

/// Checks one message the server sent in answer to `method`, against `version`'s schema:
/// the JSON-RPC envelope, then the result or error shape it must have.
pub fn check_message(version: ProtocolVersion, method: &str, message: &Value) {
    let modern = version >= ProtocolVersion::V2025_11_25;
    if let Some(notification) = message.get("method").and_then(Value::as_str) {
        assert_valid(version, "JSONRPCNotification", message);
        match notification {
            "notifications/progress" => assert_valid(version, "ProgressNotification", message),
            "notifications/message" => assert_valid(version, "LoggingMessageNotification", message),
            other => panic!("unexpected notification {other}"),
        }
        return;
    }
    if let Some(error) = message.get("error") {
        if message["id"].is_null() {
            // No schema revision can express JSON-RPC's `"id": null`; check the error itself.
            if modern {
                assert_valid(version, "Error", error);
            } else {
                let doc = document(version);
                let pointer = format!("/{}/JSONRPCError/properties/error", defs_key(&doc));
                assert_valid_at(version, &pointer, error);
            }
            return;
        }
        assert_valid(
            version,
            if modern {
                "JSONRPCErrorResponse"
            } else {
                "JSONRPCError"
            },
            message,
        );
        if version.is_stateless() {
            let specific = match error["code"].as_i64() {
                Some(-32020) => Some("HeaderMismatchError"),
                Some(-32021) => Some("MissingRequiredClientCapabilityError"),
                Some(-32022) => Some("UnsupportedProtocolVersionError"),
                _ => None,
            };
            if let Some(def) = specific {
                assert_valid(version, def, message);
            }
            let error_def = match error["code"].as_i64() {
                Some(-32700) => Some("ParseError"),
                Some(-32600) => Some("InvalidRequestError"),
                Some(-32601) => Some("MethodNotFoundError"),
                Some(-32602) => Some("InvalidParamsError"),
                Some(-32603) => Some("InternalError"),
                _ => None,
            };
            if let Some(def) = error_def {
                assert_valid(version, def, error);
            }
        }
        return;
    }
    assert_valid(
        version,
        if modern {
            "JSONRPCResultResponse"
        } else {
            "JSONRPCResponse"
        },
        message,
    );
    // A multi-round request's first answers are InputRequiredResults, whatever the method.
    if message["result"]["resultType"] == "input_required" {
        assert_valid(version, "InputRequiredResult", &message["result"]);
        return;
    }
    // A call that became a task: the 2025-11-25 schema has its shape; the 2026-07-28 one
    // leaves it to the tasks extension, so only the envelope above is checked there.
    if message["result"].get("task").is_some() {
        assert_valid(version, "CreateTaskResult", &message["result"]);
        return;
    }
    if message["result"]["resultType"] == "task" {
        return;
    }
    if let Some(def) = result_def(method) {
        if has_def(version, def) {
            assert_valid(version, def, &message["result"]);
        }
    }
}
