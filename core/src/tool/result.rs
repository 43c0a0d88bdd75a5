use super::InputRequired;
use crate::protocol::Content;
use serde_json::{Map, Value};

/// What a tool call returns: content blocks, optional structured content, and whether the
/// call failed.
///
/// A failed call is still a successful JSON-RPC response: the model reads the message in
/// `content` and can correct itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    /// Content blocks for the model.
    pub content: Vec<Content>,
    /// Structured content, matching the tool's `outputSchema`.
    pub structured: Option<Value>,
    /// Whether the call failed.
    pub is_error: bool,
    /// What the tool needs from the client first, instead of a final result.
    pub(crate) input_required: Option<InputRequired>,
}

impl ToolResult {
    /// A successful result with one text block.
    pub fn text(text: impl Into<String>) -> Self {
        ToolResult {
            content: vec![Content::text(text)],
            structured: None,
            is_error: false,
            input_required: None,
        }
    }

    /// A successful result with the given blocks.
    pub fn content(content: Vec<Content>) -> Self {
        ToolResult {
            content,
            structured: None,
            is_error: false,
            input_required: None,
        }
    }

    /// A successful result carrying `value` as structured content and as its JSON text,
    /// for clients that read only text.
    pub fn structured(value: Value) -> Self {
        ToolResult {
            content: vec![Content::text(value.to_string())],
            structured: Some(value),
            is_error: false,
            input_required: None,
        }
    }

    /// A failed call with a message for the model.
    pub fn error(message: impl Into<String>) -> Self {
        ToolResult {
            content: vec![Content::text(message)],
            structured: None,
            is_error: true,
            input_required: None,
        }
    }

    /// Not a result yet: the tool needs input from the client first (2026-07-28). The
    /// client answers with a retry of the same call; see [`InputRequired`].
    pub fn input_required(input: InputRequired) -> Self {
        ToolResult {
            content: Vec::new(),
            structured: None,
            is_error: false,
            input_required: Some(input),
        }
    }

    /// The wire form; `structured` and resource links are kept only when the revision knows them.
    pub(crate) fn into_value(self, structured_output: bool) -> Value {
        let mut out = Map::new();
        let content: Vec<Value> = self
            .content
            .into_iter()
            .map(|block| match block {
                // 2025-03-26 has no resource links; name the resource in text instead.
                Content::ResourceLink { uri, name, .. } if !structured_output => {
                    Content::text(format!("{name}: {uri}"))
                }
                other => other,
            })
            .filter_map(|block| serde_json::to_value(block).ok())
            .collect();
        out.insert("content".into(), Value::Array(content));
        if structured_output {
            if let Some(structured) = self.structured {
                out.insert("structuredContent".into(), structured);
            }
        }
        if self.is_error {
            out.insert("isError".into(), Value::Bool(true));
        }
        Value::Object(out)
    }
}
