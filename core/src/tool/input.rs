//! What a tool asks the client for before it can finish: the multi-round requests of
//! MCP 2026-07-28 (an `input_required` result, answered by a retry carrying
//! `inputResponses` and the sealed `requestState`).

use serde_json::{json, Map, Value};

/// Requests for the client (elicitation, sampling, roots) and state to carry to the
/// retry that answers them.
///
/// A tool returns it with [`ToolResult::input_required`](crate::ToolResult::input_required);
/// the retry reaches the same tool with the answers in
/// [`RequestContext::input_response`](crate::RequestContext::input_response) and the state
/// in [`RequestContext::request_state`](crate::RequestContext::request_state). The server
/// seals the state, so a client cannot alter it. Only 2026-07-28 carries these; on earlier
/// revisions the call ends with an error result saying so.
///
/// ```
/// use edgemcp::tool::InputRequired;
/// use serde_json::json;
///
/// let ask = InputRequired::new()
///     .elicit("user_name", "What is your name?", json!({
///         "type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]
///     }))
///     .state(json!({"round": 1}));
/// assert!(!ask.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputRequired {
    pub(crate) requests: Map<String, Value>,
    pub(crate) state: Option<Value>,
}

impl InputRequired {
    /// Nothing asked yet.
    pub fn new() -> Self {
        InputRequired::default()
    }

    /// Asks the user, through the client, for data matching `requested_schema` (a flat
    /// object schema); the answer is an `ElicitResult` (`action`, `content`).
    pub fn elicit(
        self,
        key: impl Into<String>,
        message: impl Into<String>,
        requested_schema: Value,
    ) -> Self {
        let params = json!({"message": message.into(), "requestedSchema": requested_schema});
        self.request(key, "elicitation/create", Some(params))
    }

    /// Asks the client's model for a completion: `params` are `sampling/createMessage`
    /// parameters (`messages`, `maxTokens`, ...); the answer is a `CreateMessageResult`.
    pub fn sample(self, key: impl Into<String>, params: Value) -> Self {
        self.request(key, "sampling/createMessage", Some(params))
    }

    /// Asks for the client's roots; the answer is a `ListRootsResult` (`roots`).
    pub fn list_roots(self, key: impl Into<String>) -> Self {
        self.request(key, "roots/list", None)
    }

    /// Adds a request by method name, for methods added after this version.
    pub fn request(mut self, key: impl Into<String>, method: &str, params: Option<Value>) -> Self {
        let mut request = Map::new();
        request.insert("method".into(), Value::from(method));
        if let Some(params) = params {
            request.insert("params".into(), params);
        }
        self.requests.insert(key.into(), Value::Object(request));
        self
    }

    /// Keeps `state` for the retry; it comes back, unaltered, as
    /// [`RequestContext::request_state`](crate::RequestContext::request_state).
    pub fn state(mut self, state: Value) -> Self {
        self.state = Some(state);
        self
    }

    /// Whether nothing is asked and no state kept (the protocol needs one of them).
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.state.is_none()
    }
}
