//! `completion/complete`: values for a prompt argument or a template variable.

use crate::jsonrpc::ErrorObject;
use crate::prompt::MAX_COMPLETIONS;
use crate::server::reply::{Failure, Params};
use crate::server::Server;
use crate::RequestContext;
use serde_json::{json, Map, Value};

impl Server {
    /// `completion/complete`: at most [`MAX_COMPLETIONS`] values, and how many exist.
    pub(in crate::server) async fn complete(
        &self,
        params: &Params,
        cx: RequestContext,
    ) -> Result<Params, Failure> {
        let reference = params
            .get("ref")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                Failure::invalid_params(
                    "`ref` must be an object such as {\"type\": \"ref/prompt\", \"name\": \"…\"}.",
                )
            })?;
        let argument = params.get("argument").and_then(Value::as_object);
        let (Some(arg_name), Some(partial)) = (
            argument.and_then(|a| a.get("name")).and_then(Value::as_str),
            argument
                .and_then(|a| a.get("value"))
                .and_then(Value::as_str),
        ) else {
            return Err(Failure::invalid_params(
                "`argument` must be an object with string members `name` and `value`.",
            ));
        };
        let inner = &self.inner;
        let completer = match reference.get("type").and_then(Value::as_str) {
            Some("ref/prompt") => {
                let name = reference
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let prompt = inner
                    .prompt_index
                    .get(name)
                    .map(|&i| &inner.prompts[i])
                    .ok_or_else(|| Failure::invalid_params(format!("Unknown prompt: {name}.")))?;
                prompt
                    .arguments
                    .iter()
                    .find(|a| a.name == arg_name)
                    .and_then(|a| a.completer.clone())
            }
            Some("ref/resource") => {
                let uri = reference
                    .get("uri")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let template = inner
                    .templates
                    .iter()
                    .find(|t| t.template.as_str() == uri)
                    .ok_or_else(|| {
                        Failure::invalid_params(format!("Unknown resource template: {uri}."))
                    })?;
                template
                    .completions
                    .iter()
                    .find(|(var, _)| var == arg_name)
                    .map(|(_, c)| c.clone())
            }
            other => {
                return Err(Failure::invalid_params(format!(
                    "`ref.type` must be \"ref/prompt\" or \"ref/resource\", received {}.",
                    other.map_or_else(|| "nothing".to_owned(), |t| format!("{t:?}"))
                )))
            }
        };
        let mut values = match completer {
            None => Vec::new(),
            Some(completer) => {
                let limit = inner.tool_timeout.min(cx.remaining());
                let suggested = self
                    .runtime()
                    .within(limit, completer.complete(partial))
                    .await;
                let Some(suggested) = suggested else {
                    return Err(Failure::rpc(ErrorObject::new(
                        crate::jsonrpc::INTERNAL_ERROR,
                        format!(
                            "Completing `{arg_name}` took longer than {} ms and was stopped; type more of the value and try again.",
                            limit.as_millis()
                        ),
                    )));
                };
                suggested.map_err(Failure::from)?
            }
        };
        let total = values.len();
        values.truncate(MAX_COMPLETIONS);
        let mut out = Map::new();
        out.insert(
            "completion".into(),
            json!({"values": values, "total": total, "hasMore": total > MAX_COMPLETIONS}),
        );
        Ok(out)
    }
}
