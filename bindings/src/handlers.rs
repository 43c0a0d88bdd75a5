//! Tools, resources and prompts whose handlers are JavaScript functions.
//!
//! Each `*_from_js` reads a definition object and wraps the function in the core's
//! handler shape; what the function returns is read leniently (a string is text) and what
//! it throws becomes an error the client can read, never a broken module.

use crate::context::ToolContext;
use crate::convert::{call, field, from_js, string_field, to_js, to_json};
use edgemcp::prompt::{Completer, PromptArgument, PromptMessage};
use edgemcp::protocol::{Content, ResourceContents, Role, ToolAnnotations};
use edgemcp::{Error, Prompt, Resource, ResourceTemplate, Result, Tool, ToolResult};
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;
use wasm_bindgen::{JsCast, JsValue};

/// A tool from `server.tool(name, definition, handler)`.
pub(crate) fn tool_from_js(
    name: &str,
    definition: &JsValue,
    handler: js_sys::Function,
) -> Result<Tool> {
    let what = format!("the definition of tool `{name}`");
    let description = string_field(definition, "description", &what)?.ok_or_else(|| {
        Error::invalid_params(format!(
            "{what} needs a description: what the tool does, for the model"
        ))
    })?;
    let input_schema = match field(definition, "inputSchema") {
        Some(schema) => to_json(&schema, &format!("{what}.inputSchema"))?,
        None => json!({"type": "object"}),
    };
    let tool_name = name.to_owned();
    let mut tool = Tool::untyped(name, description, input_schema, move |args, cx| {
        let handler = handler.clone();
        let tool_name = tool_name.clone();
        async move {
            let context = JsValue::from(ToolContext::new(cx));
            let failed = |message| format!("tool `{tool_name}` threw: {message}");
            let returned = call(&handler, &[to_js(&args), context], failed).await?;
            tool_result(&returned, &tool_name)
        }
    });
    if let Some(title) = string_field(definition, "title", &what)? {
        tool = tool.title(title);
    }
    if let Some(schema) = field(definition, "outputSchema") {
        tool = tool.output_schema(to_json(&schema, &format!("{what}.outputSchema"))?);
    }
    if let Some(annotations) = field(definition, "annotations") {
        let annotations: ToolAnnotations = from_js(&annotations, &format!("{what}.annotations"))?;
        tool = tool.annotations(annotations);
    }
    if let Some(scopes) = field(definition, "scopes") {
        let scopes: Vec<String> = from_js(&scopes, &format!("{what}.scopes"))?;
        tool = tool.scopes(scopes);
    }
    if let Some(ms) = field(definition, "timeoutMs") {
        let ms = ms
            .as_f64()
            .filter(|ms| *ms >= 1.0 && ms.is_finite())
            .ok_or_else(|| {
                Error::invalid_params(format!("{what}.timeoutMs must be a positive number"))
            })?;
        tool = tool.timeout(Duration::from_millis(ms as u64));
    }
    Ok(tool)
}

/// A full tool result, as a handler may return it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReturnedResult {
    content: Vec<Content>,
    #[serde(default)]
    structured_content: Option<Value>,
    #[serde(default)]
    is_error: bool,
}

/// Reads what a tool handler returned: a string is text, an object with `content` is a
/// whole result, any other object is structured content, nothing is an empty result.
fn tool_result(returned: &JsValue, tool: &str) -> Result<ToolResult> {
    let value = to_json(returned, &format!("the result of tool `{tool}`"))?;
    Ok(match value {
        Value::Null => ToolResult::content(Vec::new()),
        Value::String(text) => ToolResult::text(text),
        Value::Object(ref object) if object.contains_key("content") => {
            let whole: ReturnedResult = serde_json::from_value(value).map_err(|e| {
                Error::internal(format!(
                    "tool `{tool}` returned an object with `content` that is not a tool result: {e}"
                ))
            })?;
            let mut result = ToolResult::content(whole.content);
            result.structured = whole.structured_content;
            result.is_error = whole.is_error;
            result
        }
        Value::Object(_) => ToolResult::structured(value),
        other => ToolResult::text(other.to_string()),
    })
}

/// A resource (or, when `uri` holds `{variables}`, a template) from
/// `server.resource(uri, definition, handler)`.
pub(crate) enum ResourceEntry {
    /// One fixed URI.
    Fixed(Resource),
    /// A URI template.
    Template(ResourceTemplate),
}

pub(crate) fn resource_from_js(
    uri: &str,
    definition: &JsValue,
    handler: js_sys::Function,
) -> Result<ResourceEntry> {
    let what = format!("the definition of resource `{uri}`");
    let name = string_field(definition, "name", &what)?
        .ok_or_else(|| Error::invalid_params(format!("{what} needs a name")))?;
    let title = string_field(definition, "title", &what)?;
    let description = string_field(definition, "description", &what)?;
    let mime_type = string_field(definition, "mimeType", &what)?;
    let read_mime = mime_type.clone();
    let read = move |uri: String, vars: Vec<(String, String)>| {
        let handler = handler.clone();
        let mime = read_mime.clone();
        async move {
            let vars_object = to_js(&Value::Object(
                vars.into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ));
            let failed = |message| format!("reading {uri} failed: {message}");
            let returned = call(&handler, &[JsValue::from_str(&uri), vars_object], failed).await?;
            resource_contents(&returned, &uri, mime.as_deref())
        }
    };
    if uri.contains('{') {
        let mut template = ResourceTemplate::new(uri, name, move |uri, vars, _cx| {
            read(
                uri,
                vars.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            )
        })?;
        if let Some(title) = title {
            template = template.title(title);
        }
        if let Some(description) = description {
            template = template.description(description);
        }
        if let Some(mime_type) = mime_type {
            template = template.mime_type(mime_type);
        }
        Ok(ResourceEntry::Template(template))
    } else {
        let fixed_uri = uri.to_owned();
        let mut resource = Resource::new(uri, name, move |_cx| read(fixed_uri.clone(), Vec::new()));
        if let Some(title) = title {
            resource = resource.title(title);
        }
        if let Some(description) = description {
            resource = resource.description(description);
        }
        if let Some(mime_type) = mime_type {
            resource = resource.mime_type(mime_type);
        }
        Ok(ResourceEntry::Fixed(resource))
    }
}

/// Reads what a resource handler returned: a string is text, a `Uint8Array` is binary,
/// an object (or an array of them) is `{ uri?, mimeType?, text }` or `{ uri?, mimeType?,
/// blob }` with `blob` in base64.
fn resource_contents(
    returned: &JsValue,
    uri: &str,
    mime: Option<&str>,
) -> Result<Vec<ResourceContents>> {
    if let Some(text) = returned.as_string() {
        return Ok(vec![ResourceContents::text(
            uri,
            mime.unwrap_or("text/plain"),
            text,
        )]);
    }
    if let Some(bytes) = returned.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(vec![ResourceContents::blob(
            uri,
            mime.unwrap_or("application/octet-stream"),
            &bytes.to_vec(),
        )]);
    }
    let what = format!("the contents returned for {uri}");
    let items = match to_json(returned, &what)? {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        other => {
            let expected = "a string, a Uint8Array or { text } / { blob } objects";
            return Err(Error::internal(format!(
                "{what} must be {expected}, not {other}"
            )));
        }
    };
    items
        .into_iter()
        .map(|mut item| {
            if let Value::Object(object) = &mut item {
                object.entry("uri").or_insert_with(|| Value::from(uri));
                if let Some(mime) = mime {
                    object
                        .entry("mimeType")
                        .or_insert_with(|| Value::from(mime));
                }
            }
            serde_json::from_value(item)
                .map_err(|e| Error::internal(format!("{what} are not resource contents: {e}")))
        })
        .collect()
}

/// One argument in a prompt definition.
#[derive(Deserialize)]
pub(crate) struct ArgumentDefinition {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    complete: Option<Vec<String>>,
}

impl ArgumentDefinition {
    /// The argument as the core declares it.
    pub(crate) fn declared(self) -> PromptArgument {
        let declared = if self.required {
            PromptArgument::required(self.name, self.description)
        } else {
            PromptArgument::optional(self.name, self.description)
        };
        match self.complete {
            Some(values) => declared.complete(Completer::values(values)),
            None => declared,
        }
    }
}

/// A prompt from `server.prompt(name, definition, handler)`.
pub(crate) fn prompt_from_js(
    name: &str,
    definition: &JsValue,
    handler: js_sys::Function,
) -> Result<Prompt> {
    let what = format!("the definition of prompt `{name}`");
    let description = string_field(definition, "description", &what)?.unwrap_or_default();
    let prompt_name = name.to_owned();
    let mut prompt = Prompt::new(name, description, move |args, _cx| {
        let handler = handler.clone();
        let prompt_name = prompt_name.clone();
        async move {
            let args = to_js(&serde_json::to_value(args).unwrap_or(Value::Null));
            let failed = |message| format!("prompt `{prompt_name}` failed: {message}");
            let returned = call(&handler, &[args], failed).await?;
            prompt_messages(&returned, &prompt_name)
        }
    });
    if let Some(title) = string_field(definition, "title", &what)? {
        prompt = prompt.title(title);
    }
    if let Some(arguments) = field(definition, "arguments") {
        let arguments: Vec<ArgumentDefinition> = from_js(&arguments, &format!("{what}.arguments"))?;
        for argument in arguments {
            prompt = prompt.argument(argument.declared());
        }
    }
    Ok(prompt)
}

/// One message a prompt handler returned.
#[derive(Deserialize)]
struct ReturnedMessage {
    role: Role,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    content: Option<Content>,
}

/// Reads what a prompt handler returned: a string is one user message; an array holds
/// `{ role, text }` or `{ role, content }` messages.
fn prompt_messages(returned: &JsValue, prompt: &str) -> Result<Vec<PromptMessage>> {
    if let Some(text) = returned.as_string() {
        return Ok(vec![PromptMessage::user(text)]);
    }
    let messages: Vec<ReturnedMessage> =
        from_js(returned, &format!("the messages of prompt `{prompt}`"))
            .map_err(|e| Error::internal(e.message().to_owned()))?;
    messages
        .into_iter()
        .map(|m| {
            let content = match (m.content, m.text) {
                (Some(content), _) => content,
                (None, Some(text)) => Content::text(text),
                (None, None) => {
                    return Err(Error::internal(format!(
                        "a message of prompt `{prompt}` has neither `text` nor `content`"
                    )))
                }
            };
            Ok(PromptMessage {
                role: m.role,
                content,
            })
        })
        .collect()
}
