//! Multi-round requests (2026-07-28): what a retry brings back, how a request for input
//! goes out, and the client capabilities a tool requires.

use super::context::Round;
use super::reply::{as_params, Failure, Params};
use super::state::{self, Binding};
use super::Server;
use crate::auth::Admitted;
use crate::jsonrpc::{describe, ErrorObject};
use crate::protocol::{codes, methods, ProtocolVersion, META_CLIENT_CAPABILITIES};
use crate::tool::{InputRequired, Tool, ToolResult};
use serde_json::{json, Map, Value};

impl Server {
    /// Reads what a retry of a multi-round request brings: the client's answers and the
    /// sealed state, which must open for this method, name and caller.
    pub(super) fn round(
        &self,
        method: &str,
        params: &Params,
        meta: Option<&Params>,
        caller: &Admitted,
    ) -> Result<Round, Failure> {
        let responses = match params.get("inputResponses") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(responses)) => responses.clone(),
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`inputResponses` must be an object of answers by request key, received {}.",
                    describe(other)
                )))
            }
        };
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let state = match params.get("requestState") {
            None | Some(Value::Null) => None,
            Some(Value::String(sealed)) => Some(
                state::open(
                    &self.inner.state_key,
                    &Binding::new(method, name, caller),
                    sealed,
                    self.inner.runtime.now_unix_ms(),
                )
                .map_err(|why| Failure::invalid_params(why.message()))?,
            ),
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`requestState` must be the string the server sent, received {}.",
                    describe(other)
                )))
            }
        };
        let client_capabilities = meta
            .and_then(|m| m.get(META_CLIENT_CAPABILITIES))
            .and_then(Value::as_object)
            .cloned();
        Ok(Round {
            responses,
            state,
            client_capabilities,
        })
    }

    /// The wire form of a tool's request for input: an `input_required` result on
    /// 2026-07-28, an error result on revisions that cannot carry it.
    pub(super) fn input_required(
        &self,
        input: InputRequired,
        name: &str,
        version: ProtocolVersion,
        caller: &Admitted,
    ) -> Params {
        if version.is_stateless() && !input.is_empty() {
            return self.seal_input(input, &Binding::new(methods::TOOLS_CALL, name, caller));
        }
        let why = if input.is_empty() {
            format!("`{name}` asked for input but named none; this is a bug in the server.")
        } else {
            format!(
                "`{name}` needs input from the client (elicitation, sampling or roots), which \
                 protocol version {version} cannot carry here; use 2026-07-28."
            )
        };
        as_params(ToolResult::error(why).into_value(version.has_structured_output()))
    }

    /// An `input_required` result, its state sealed for `binding`.
    pub(super) fn seal_input(&self, input: InputRequired, binding: &Binding<'_>) -> Params {
        let mut out = Map::new();
        out.insert("resultType".into(), json!("input_required"));
        if !input.requests.is_empty() {
            out.insert("inputRequests".into(), Value::Object(input.requests));
        }
        if let Some(kept) = input.state {
            let inner = &self.inner;
            let now = inner.runtime.now_unix_ms();
            let sealed = state::seal(&inner.state_key, binding, &kept, now, inner.state_ttl_ms);
            out.insert("requestState".into(), Value::String(sealed));
        }
        out
    }
}

/// Refuses a call whose client lacks a capability the tool requires (-32021, HTTP 400).
pub(super) fn check_client_capabilities(tool: &Tool, params: &Params) -> Result<(), Failure> {
    let declared = params
        .get("_meta")
        .and_then(|m| m.get(META_CLIENT_CAPABILITIES))
        .and_then(Value::as_object);
    let missing: Map<String, Value> = tool
        .required_client_capabilities
        .iter()
        .filter(|cap| !declared.is_some_and(|d| d.contains_key(cap.as_str())))
        .map(|cap| (cap.clone(), json!({})))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.keys().map(String::as_str).collect();
    Err(Failure::bad_request(
        ErrorObject::new(
            codes::MISSING_CLIENT_CAPABILITY,
            format!(
                "Tool `{}` needs the client capabilities {}; this client did not declare them.",
                tool.name,
                names.join(", ")
            ),
        )
        .with_data(json!({"requiredCapabilities": missing})),
    ))
}
