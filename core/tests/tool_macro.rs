//! `#[edgemcp::tools]` against the same tools written with closures (`Tool::typed`): the
//! same descriptors, the same results for the same calls, and input schemas that accept
//! and refuse the same arguments, over generated ones; and what only the macro can say
//! (a JSON-RPC error chosen by the handler).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_arguments)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::Client;
use edgemcp::protocol::{ProtocolVersion, ToolAnnotations};
use edgemcp::runtime::Runtime;
use edgemcp::tool::{Json, ToolError, ToolSet};
use edgemcp::{Error, RequestContext, Server, Tool};
use proptest::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Notes {
    notes: Mutex<BTreeMap<String, Note>>,
}

#[derive(Clone, Serialize, Deserialize, JsonSchema)]
struct Note {
    text: String,
    tags: Vec<String>,
}

#[derive(Deserialize, JsonSchema)]
struct FindArgs {
    /// Words every note found contains.
    words: Vec<String>,
    /// At most this many keys.
    limit: Option<u8>,
}

#[derive(Serialize, JsonSchema)]
struct Found {
    keys: Vec<String>,
}

impl Notes {
    fn store(&self, key: String, text: String, tags: Option<Vec<String>>) -> Result<String, Error> {
        if key.is_empty() {
            return Err(Error::invalid_params("The key must not be empty."));
        }
        let tags = tags.unwrap_or_default();
        self.notes
            .lock()
            .unwrap()
            .insert(key.clone(), Note { text, tags });
        Ok(format!("Stored `{key}`."))
    }

    fn read(&self, key: &str) -> Result<Note, Error> {
        let notes = self.notes.lock().unwrap();
        notes
            .get(key)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("No note `{key}`.")))
    }

    fn search(&self, args: &FindArgs) -> Found {
        let notes = self.notes.lock().unwrap();
        let keys = notes
            .iter()
            .filter(|(_, note)| {
                args.words
                    .iter()
                    .all(|word| note.text.contains(word.as_str()))
            })
            .map(|(key, _)| key.clone())
            .take(args.limit.map_or(usize::MAX, usize::from))
            .collect();
        Found { keys }
    }
}

fn widths_text(
    a: u8,
    b: i16,
    c: u32,
    d: i64,
    e: f64,
    f: bool,
    g: char,
    h: &HashMap<String, i32>,
    i: Option<u64>,
) -> String {
    let mut h: Vec<_> = h.iter().collect();
    h.sort();
    format!("{a} {b} {c} {d} {e} {f} {g} {h:?} {i:?}")
}

#[edgemcp::tools]
impl Notes {
    /// Stores a note under a key,
    /// replacing the one there.
    #[tool(destructive, idempotent, scopes = ["notes:write"], timeout_ms = 5000)]
    fn put_note(
        &self,
        /// Where the note goes.
        key: String,
        /// What it says.
        text: String,
        /// Labels for it.
        tags: Option<Vec<String>>,
    ) -> Result<String, Error> {
        self.store(key, text, tags)
    }

    /// Reads a note.
    #[tool(read_only, title = "Read a note")]
    async fn get_note(&self, key: String) -> Result<Json<Note>, Error> {
        self.read(&key).map(Json)
    }

    /// Finds the notes that contain every word.
    #[tool(read_only, open_world = false)]
    async fn find(&self, args: FindArgs, cx: RequestContext) -> Json<Found> {
        cx.progress(1.0, Some(1.0), None);
        Json(self.search(&args))
    }

    /// Counts the notes.
    #[tool(name = "count_notes", read_only)]
    fn count(&self) -> String {
        self.notes.lock().unwrap().len().to_string()
    }

    /// Echoes one argument of each kind.
    #[tool]
    fn widths(
        a: u8,
        b: i16,
        c: u32,
        d: i64,
        e: f64,
        f: bool,
        g: char,
        h: HashMap<String, i32>,
        i: Option<u64>,
    ) -> String {
        widths_text(a, b, c, d, e, f, g, &h, i)
    }

    /// Reads a note; a key with a slash is a malformed request, not a missing note.
    #[tool(read_only)]
    fn strict_get(&self, key: String) -> Result<String, ToolError> {
        if key.contains('/') {
            return Err(ToolError::protocol(Error::invalid_params(
                "A key has no `/`; the request is malformed.",
            )));
        }
        Ok(self.read(&key)?.text)
    }
}

#[derive(Deserialize, JsonSchema)]
struct PutArgs {
    /// Where the note goes.
    key: String,
    /// What it says.
    text: String,
    /// Labels for it.
    tags: Option<Vec<String>>,
}

#[derive(Deserialize, JsonSchema)]
struct KeyArgs {
    key: String,
}

#[derive(Deserialize, JsonSchema)]
struct NoArgs {}

#[derive(Deserialize, JsonSchema)]
struct WidthArgs {
    a: u8,
    b: i16,
    c: u32,
    d: i64,
    e: f64,
    f: bool,
    g: char,
    h: HashMap<String, i32>,
    i: Option<u64>,
}

/// The same tools as the impl block, with closures: each clones the shared state.
fn closure_tools(notes: Arc<Notes>) -> Vec<Tool> {
    let put = notes.clone();
    let get = notes.clone();
    let find = notes.clone();
    vec![
        Tool::typed(
            "put_note",
            "Stores a note under a key,\nreplacing the one there.",
            move |args: PutArgs, _cx| {
                let notes = put.clone();
                async move { notes.store(args.key, args.text, args.tags) }
            },
        )
        .annotations(ToolAnnotations {
            destructive_hint: Some(true),
            idempotent_hint: Some(true),
            ..Default::default()
        })
        .scopes(["notes:write"])
        .timeout(std::time::Duration::from_millis(5000)),
        Tool::typed("get_note", "Reads a note.", move |args: KeyArgs, _cx| {
            let notes = get.clone();
            async move { notes.read(&args.key) }
        })
        .title("Read a note")
        .annotations(ToolAnnotations {
            read_only_hint: Some(true),
            ..Default::default()
        }),
        Tool::typed(
            "find",
            "Finds the notes that contain every word.",
            move |args: FindArgs, cx: RequestContext| {
                let notes = find.clone();
                async move {
                    cx.progress(1.0, Some(1.0), None);
                    Ok(notes.search(&args))
                }
            },
        )
        .annotations(ToolAnnotations {
            read_only_hint: Some(true),
            open_world_hint: Some(false),
            ..Default::default()
        }),
        Tool::typed("count_notes", "Counts the notes.", move |_: NoArgs, _cx| {
            let notes = notes.clone();
            async move { Ok(notes.notes.lock().unwrap().len().to_string()) }
        })
        .annotations(ToolAnnotations {
            read_only_hint: Some(true),
            ..Default::default()
        }),
        Tool::typed(
            "widths",
            "Echoes one argument of each kind.",
            |w: WidthArgs, _cx| async move {
                Ok(widths_text(w.a, w.b, w.c, w.d, w.e, w.f, w.g, &w.h, w.i))
            },
        ),
    ]
}

fn server(tools: Vec<Tool>) -> Server {
    Server::builder("notes", "1.0.0")
        .tools(tools)
        .build(Runtime::for_tests(1_700_000_000_000))
        .unwrap()
}

fn pair() -> (Client, Client) {
    let version = ProtocolVersion::V2025_11_25;
    let by_macro = server(Notes::default().into_tools());
    let by_closures = server(closure_tools(Arc::new(Notes::default())));
    (
        Client::new(by_macro, version),
        Client::new(by_closures, version),
    )
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

fn call(client: &Client, name: &str, args: Value) -> Value {
    let seen = block_on(client.call("tools/call", json!({"name": name, "arguments": args})));
    seen.response().clone()
}

fn listed(client: &Client) -> BTreeMap<String, Value> {
    let seen = block_on(client.call("tools/list", json!({})));
    seen.result()["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| (tool["name"].as_str().unwrap().to_owned(), tool.clone()))
        .collect()
}

#[test]
fn both_list_the_same_descriptors() {
    let (by_macro, by_closures) = pair();
    let (by_macro, by_closures) = (listed(&by_macro), listed(&by_closures));
    assert_eq!(by_macro.len(), 6, "{by_macro:?}");
    for (name, closure) in &by_closures {
        let generated = &by_macro[name];
        for field in ["description", "title", "annotations", "execution"] {
            assert_eq!(generated.get(field), closure.get(field), "{name}: {field}");
        }
        assert_eq!(
            generated.get("outputSchema").is_some(),
            closure.get("outputSchema").is_some(),
            "{name}: outputSchema"
        );
        // What a client reads of each property: its type and its description.
        let properties = |tool: &Value| -> BTreeMap<String, (Value, Value)> {
            let schema = &tool["inputSchema"];
            schema["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), (v["type"].clone(), v["description"].clone())))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            properties(generated),
            properties(closure),
            "{name}: properties"
        );
        let required = |tool: &Value| tool["inputSchema"].get("required").cloned();
        assert_eq!(required(generated), required(closure), "{name}: required");
    }
}

#[test]
fn both_answer_the_same_calls_alike() {
    let (by_macro, by_closures) = pair();
    let script = [
        ("count_notes", json!({})),
        ("put_note", json!({"key": "a", "text": "red apples"})),
        (
            "put_note",
            json!({"key": "b", "text": "green apples", "tags": ["fruit"]}),
        ),
        ("put_note", json!({"key": "", "text": "nothing"})),
        ("put_note", json!({"key": "c"})),
        ("put_note", json!({"key": "c", "text": 3})),
        ("get_note", json!({"key": "b"})),
        ("get_note", json!({"key": "zz"})),
        ("find", json!({"words": ["apples"]})),
        ("find", json!({"words": ["apples"], "limit": 1})),
        ("find", json!({"words": ["apples"], "limit": 300})),
        ("find", json!({"words": "apples"})),
        ("count_notes", json!({})),
        (
            "widths",
            json!({"a": 1, "b": -2, "c": 3, "d": -4, "e": 0.5, "f": true, "g": "x", "h": {"k": 1}}),
        ),
        ("no_such_tool", json!({})),
    ];
    for (name, args) in script {
        let generated = call(&by_macro, name, args.clone());
        let closure = call(&by_closures, name, args.clone());
        assert_eq!(generated, closure, "{name} {args}");
    }
    let stored = call(&by_macro, "get_note", json!({"key": "b"}));
    assert_eq!(
        stored["result"]["structuredContent"],
        json!({"text": "green apples", "tags": ["fruit"]})
    );
}

#[test]
fn a_handler_chooses_between_a_tool_error_and_a_protocol_error() {
    let (by_macro, _) = pair();
    let missing = call(&by_macro, "strict_get", json!({"key": "nope"}));
    assert_eq!(missing["result"]["isError"], true, "{missing}");
    assert_eq!(missing["result"]["content"][0]["text"], "No note `nope`.");

    let malformed = call(&by_macro, "strict_get", json!({"key": "a/b"}));
    assert!(malformed.get("result").is_none(), "{malformed}");
    assert_eq!(malformed["error"]["code"], -32602);
    assert_eq!(
        malformed["error"]["message"],
        "A key has no `/`; the request is malformed."
    );
}

#[test]
fn the_written_schemas_are_json_schema_2020_12() {
    let (by_macro, _) = pair();
    let widths = &listed(&by_macro)["widths"]["inputSchema"];
    assert_eq!(
        widths["properties"]["a"],
        json!({"type": "integer", "minimum": 0, "maximum": 255})
    );
    assert_eq!(
        widths["properties"]["i"],
        json!({"type": ["integer", "null"], "minimum": 0})
    );
    assert_eq!(
        widths["properties"]["h"],
        json!({"type": "object", "additionalProperties": {"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX}})
    );
    jsonschema::draft202012::meta::validate(widths).unwrap();
}

/// A value for one argument of `widths`, from around the edges of each type.
fn an_argument() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(255)),
        Just(json!(256)),
        Just(json!(-32769)),
        Just(json!(4_294_967_295_u64)),
        Just(json!(4_294_967_296_u64)),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!(2.0)),
        Just(json!("x")),
        Just(json!("xy")),
        Just(json!("")),
        Just(json!(true)),
        Just(Value::Null),
        Just(json!({})),
        Just(json!({"k": 7})),
        Just(json!({"k": "v"})),
        Just(json!([1])),
        any::<i64>().prop_map(Value::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// The schema the macro writes from the parameter types and the one schemars derives
    /// from the same fields accept and refuse the same arguments, and serde then takes
    /// them alike: the two servers give the same answer when one argument of a valid call
    /// is replaced by a generated value, or left out.
    #[test]
    fn written_and_derived_schemas_agree(index in 0..9_usize, value in proptest::option::of(an_argument())) {
        let (by_macro, by_closures) = pair();
        let mut args = json!({"a": 1, "b": -2, "c": 3, "d": -4, "e": 0.5, "f": true, "g": "x", "h": {"k": 1}, "i": 5});
        let key = ["a", "b", "c", "d", "e", "f", "g", "h", "i"][index];
        match value {
            Some(value) => args[key] = value,
            None => {
                args.as_object_mut().unwrap().remove(key);
            }
        }
        let generated = call(&by_macro, "widths", args.clone());
        let closure = call(&by_closures, "widths", args.clone());
        let text = |answer: &Value| answer["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned();
        if text(&closure).starts_with("arguments:") {
            // Serde refused what the schema let through (a number out of `i64`'s range):
            // the macro's message also names the parameter.
            prop_assert_eq!(&generated["result"]["isError"], &json!(true));
            prop_assert!(text(&generated).starts_with(&format!("arguments: `{key}`: ")), "{}", generated);
        } else {
            prop_assert_eq!(&generated, &closure, "{}", args);
        }
    }
}
