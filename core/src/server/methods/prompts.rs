//! `prompts/get`: a prompt rendered with its arguments, or a workflow run.

use crate::jsonrpc::{describe, ErrorObject};
use crate::prompt::{Prompt, PromptArgs, PromptMessage, PromptReply};
use crate::protocol::{methods, ProtocolVersion};
use crate::server::reply::{Failure, Params};
use crate::server::Server;
use crate::tool::ToolResult;
use crate::RequestContext;
use serde_json::{json, Map, Value};

impl Server {
    /// `prompts/get`: the prompt's messages, a workflow's findings, or a request for input.
    pub(in crate::server) async fn get_prompt(
        &self,
        params: Params,
        cx: RequestContext,
    ) -> Result<Params, Failure> {
        let version = cx.protocol_version();
        let name = match params.get("name") {
            Some(Value::String(name)) => name,
            other => {
                return Err(Failure::invalid_params(format!(
                    "`name` must be the name of a prompt, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let Some(prompt) = self
            .inner
            .prompt_index
            .get(name)
            .map(|&i| &self.inner.prompts[i])
        else {
            return Err(Failure::invalid_params(format!(
                "Unknown prompt: {name}. Call prompts/list to see the prompts this server offers."
            )));
        };
        let mut args = PromptArgs::new();
        match params.get("arguments") {
            None | Some(Value::Null) => {}
            Some(Value::Object(given)) => {
                for (key, value) in given {
                    let Value::String(text) = value else {
                        return Err(Failure::invalid_params(format!(
                            "Prompt argument `{key}` must be a string, received {}.",
                            describe(value)
                        )));
                    };
                    args.insert(key.clone(), text.clone());
                }
            }
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`arguments` must be an object of strings, received {}.",
                    describe(other)
                )))
            }
        }
        if let Some(missing) = prompt
            .arguments
            .iter()
            .find(|a| a.required && !args.contains_key(&a.name))
        {
            return Err(Failure::invalid_params(format!(
                "Prompt `{name}` needs the argument `{}`, which is missing.",
                missing.name
            )));
        }
        if let Some(workflow) = &prompt.workflow {
            // Each step has the tool limit; the whole chain has what is left of the
            // request's deadline.
            let limit = cx.remaining();
            let ran = self
                .runtime()
                .within(limit, self.run_workflow(workflow, &args, cx))
                .await
                .ok_or_else(|| {
                    Failure::rpc(ErrorObject::new(
                        crate::jsonrpc::INTERNAL_ERROR,
                        format!(
                            "Workflow `{name}` did not finish within the request's {} ms and was stopped; try again, or run its tools one by one.",
                            limit.as_millis()
                        ),
                    ))
                })??;
            return Ok(prompt_result(prompt, ran, version));
        }
        let caller = cx.admitted();
        let limit = self.inner.tool_timeout.min(cx.remaining());
        let rendered = self
            .runtime()
            .within(limit, prompt.handler.render(args, cx))
            .await
            .ok_or_else(|| {
                Failure::rpc(ErrorObject::new(
                    crate::jsonrpc::INTERNAL_ERROR,
                    format!(
                        "Prompt `{name}` was not ready within {} ms and was stopped; try again later.",
                        limit.as_millis()
                    ),
                ))
            })?;
        let messages = match rendered? {
            PromptReply::Messages(messages) => messages,
            PromptReply::InputRequired(input) if version.is_stateless() && !input.is_empty() => {
                let binding =
                    crate::server::state::Binding::new(methods::PROMPTS_GET, name, &caller);
                return Ok(self.seal_input(input, &binding));
            }
            PromptReply::InputRequired(_) => {
                return Err(Failure::invalid_params(format!(
                    "Prompt `{name}` needs input from the client, which protocol version \
                     {version} cannot carry here; use 2026-07-28."
                )))
            }
        };
        Ok(prompt_result(prompt, messages, version))
    }
}

/// The `prompts/get` result: the prompt's description and its messages, each content
/// block shaped for `version`.
fn prompt_result(
    prompt: &Prompt,
    messages: Vec<PromptMessage>,
    version: ProtocolVersion,
) -> Params {
    let structured = version.has_structured_output();
    let messages: Vec<Value> = messages
        .into_iter()
        .map(|m| {
            let content = ToolResult::content(vec![m.content]).into_value(structured);
            let block = content
                .get("content")
                .and_then(|c| c.get(0))
                .cloned()
                .unwrap_or(Value::Null);
            json!({"role": m.role, "content": block})
        })
        .collect();
    let mut out = Map::new();
    if let Some(description) = &prompt.description {
        out.insert("description".into(), json!(description));
    }
    out.insert("messages".into(), Value::Array(messages));
    out
}
