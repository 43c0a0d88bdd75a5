//! `tools/call`: the checks before a tool runs, its time limit and span, and its result.

use crate::jsonrpc::{describe, ErrorObject, INVALID_REQUEST};
use crate::protocol::methods;
use crate::server::input::check_client_capabilities;
use crate::server::reply::{as_params, Failure, Params};
use crate::server::report::During;
use crate::server::task::TaskMode;
use crate::server::Server;
use crate::telemetry::{in_span, OpenSpan, SpanKind};
use crate::tool::validate::validate;
use crate::tool::{ToolError, ToolResult};
use crate::RequestContext;
use serde_json::{json, Map, Value};

impl Server {
    /// `tools/call` as a client sends it: structured content where its revision has it.
    pub(in crate::server) async fn call_tool(
        &self,
        params: Params,
        cx: RequestContext,
    ) -> Result<Params, Failure> {
        let structured = cx.protocol_version().has_structured_output();
        self.invoke_tool(params, cx, structured).await
    }

    /// `tools/call`, with `structuredContent` in the result when `structured` (a
    /// workflow reads it whatever revision its client speaks).
    pub(in crate::server) async fn invoke_tool(
        &self,
        mut params: Params,
        cx: RequestContext,
        structured: bool,
    ) -> Result<Params, Failure> {
        let name = match params.get("name") {
            Some(Value::String(name)) => name.clone(),
            other => {
                return Err(Failure::invalid_params(format!(
                    "`name` must be the name of a tool, received {}.",
                    other.map_or_else(|| "nothing".to_owned(), describe)
                )))
            }
        };
        let Some(tool) = self.tool_named(&name) else {
            return Err(Failure::invalid_params(format!(
                "Unknown tool: {name}. Call tools/list to see the tools this server offers."
            )));
        };
        if let Some(who) = cx.identity() {
            if !who.has_scopes(&tool.scopes) {
                return Err(insufficient_scope(tool));
            }
        }
        if cx.protocol_version().is_stateless() {
            check_client_capabilities(tool, &params)?;
        }
        let args = match params.remove("arguments") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(args @ Value::Object(_)) => args,
            Some(other) => {
                return Err(Failure::invalid_params(format!(
                    "`arguments` must be an object, received {}.",
                    describe(&other)
                )))
            }
        };
        let problems = validate(&tool.input_schema, &args);
        if !problems.is_empty() {
            let message = format!(
                "Invalid arguments for tool `{name}`: {}.",
                problems.join("; ")
            );
            return Ok(as_params(ToolResult::error(message).into_value(structured)));
        }
        if let TaskMode::Task {
            asked_ttl_ms,
            may_answer,
        } = self.task_mode(tool, &params, cx.protocol_version())?
        {
            return self
                .call_as_task(tool, args, cx, asked_ttl_ms, may_answer)
                .await;
        }
        let limit = tool
            .timeout
            .unwrap_or(self.inner.tool_timeout)
            .min(cx.remaining());
        let version = cx.protocol_version();
        let caller = cx.admitted();
        let runtime = cx.runtime().clone();
        let mut span = OpenSpan::under_current(
            &runtime,
            || format!("execute_tool {name}"),
            SpanKind::Internal,
        );
        let call = tool.handler.call(args, cx);
        let within = runtime.within(limit, call);
        let outcome = match &mut span {
            Some(span) => {
                span.set("gen_ai.operation.name", "execute_tool");
                span.set("gen_ai.tool.name", name.clone());
                in_span(span.parent(), Box::pin(within)).await
            }
            None => within.await,
        };
        if let Some(mut span) = span {
            match &outcome {
                Some(Ok(result)) if result.is_error => span.set("error.type", "tool_error"),
                Some(Ok(_)) => {}
                Some(Err(err)) => span.fail(err.error().kind().to_string()),
                None => span.fail("timed out"),
            }
            span.end();
        }
        let during = During {
            method: methods::TOOLS_CALL,
            target: Some(&name),
        };
        let mut result = match outcome {
            Some(Ok(result)) => result,
            Some(Err(ToolError::Result(err))) => {
                ToolResult::error(self.client_message(&err, during))
            }
            Some(Err(ToolError::Protocol(err))) => {
                return Err(Failure::rpc(self.client_error(&err, during)))
            }
            None => ToolResult::error(format!(
                "Tool `{name}` did not finish within {} ms and was stopped; try a smaller request.",
                limit.as_millis()
            )),
        };
        if let Some(input) = result.input_required.take() {
            return Ok(self.input_required(input, &name, version, &caller));
        }
        Ok(as_params(result.into_value(structured)))
    }
}

/// The 403 for a caller whose token lacks a scope `tool` requires; `data.requiredScopes`
/// lets the access-control layer name them in its `WWW-Authenticate` challenge.
pub(crate) fn insufficient_scope(tool: &crate::tool::Tool) -> Failure {
    Failure::Refused {
        error: ErrorObject::new(
            INVALID_REQUEST,
            format!(
                "Tool `{}` needs the scopes {}; get a token that grants them.",
                tool.name,
                tool.scopes.join(" ")
            ),
        )
        .with_data(json!({"requiredScopes": tool.scopes})),
        status: 403,
    }
}
