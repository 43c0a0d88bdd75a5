//! Tools: what a model can call.
//!
//! A [`Tool`] is a descriptor (name, description, schemas, annotations) plus a handler.
//! [`Tool::typed`] derives both schemas from Rust types; [`Tool::untyped`] takes a JSON
//! Schema and a closure over raw JSON for tools whose shape is only known at run time.
//!
//! A string, integer or boolean property marked `"x-mcp-header": "Region"` in the input
//! schema is mirrored by 2026-07-28 HTTP clients into an `Mcp-Param-Region` header, which
//! gateways can route on; the server refuses (-32020) a call whose header does not match
//! the argument. With [`Tool::typed`], mark a field
//! `#[schemars(extend("x-mcp-header" = "Region"))]`.

#[doc(hidden)]
pub mod generated;
mod input;
mod outcome;
mod param_headers;
mod result;
mod set;
mod typed;
pub(crate) mod validate;

pub use input::InputRequired;
pub use outcome::{IntoToolResult, Json, ToolError};
pub(crate) use param_headers::{is_token_char, mirrored_params, MirroredParam};
pub use result::ToolResult;
pub use set::ToolSet;
#[cfg(all(test, not(target_arch = "wasm32")))]
pub(crate) use typed::{output_schema_of, schema_of};

use crate::protocol::ToolAnnotations;
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::{RequestContext, Result};
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The object-safe handler behind every tool.
pub(crate) trait ToolHandler: MaybeSend + MaybeSync {
    fn call(&self, args: Value, cx: RequestContext) -> ToolFuture;
}

/// What a call of a tool's handler comes to.
pub(crate) type ToolFuture = BoxFuture<'static, std::result::Result<ToolResult, ToolError>>;

/// A tool: its descriptor and its handler.
///
/// ```
/// use edgemcp::{Tool, ToolResult, protocol::ToolAnnotations};
/// use serde_json::json;
///
/// let echo = Tool::untyped(
///     "echo",
///     "Returns its `text` argument.",
///     json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
///     |args, _cx| async move {
///         Ok(ToolResult::text(args["text"].as_str().unwrap_or_default()))
///     },
/// )
/// .annotations(ToolAnnotations::read_only());
/// assert_eq!(echo.name(), "echo");
/// ```
#[derive(Clone)]
pub struct Tool {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: String,
    pub(crate) input_schema: Arc<Value>,
    pub(crate) output_schema: Option<Arc<Value>>,
    pub(crate) annotations: Option<ToolAnnotations>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) required_client_capabilities: Vec<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) task_support: TaskSupport,
    /// Parameters mirrored into `Mcp-Param-*` headers, read from the input schema when
    /// the server is built.
    pub(crate) mirrored: Arc<[MirroredParam]>,
    pub(crate) handler: Arc<dyn ToolHandler>,
}

impl Tool {
    /// A tool whose arguments are any JSON object checked against `input_schema`.
    ///
    /// The handler receives the arguments only after they pass the schema check, so it may
    /// rely on required fields and types being present. A handler error becomes an
    /// `isError` result carrying the error's message.
    pub fn untyped<F, Fut>(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        handler: F,
    ) -> Tool
    where
        F: Fn(Value, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<ToolResult>> + MaybeSend + 'static,
    {
        Tool::from_handler(
            name,
            description,
            input_schema,
            None,
            Arc::new(FnHandler(handler)),
        )
    }

    pub(crate) fn from_handler(
        name: impl Into<String>,
        description: impl Into<String>,
        input_schema: Value,
        output_schema: Option<Value>,
        handler: Arc<dyn ToolHandler>,
    ) -> Tool {
        Tool {
            name: name.into(),
            title: None,
            description: description.into(),
            input_schema: Arc::new(input_schema),
            output_schema: output_schema.map(Arc::new),
            annotations: None,
            timeout: None,
            required_client_capabilities: Vec::new(),
            scopes: Vec::new(),
            task_support: TaskSupport::Forbidden,
            mirrored: Arc::new([]),
            handler,
        }
    }

    /// The scopes a caller's token must grant to see and call this tool, when the server
    /// has access control ([`ServerBuilder::auth`](crate::ServerBuilder::auth)); without
    /// it, scopes are not checked. A caller lacking one does not see the tool in
    /// `tools/list`, and calling it anyway is refused with 403 `insufficient_scope`.
    ///
    /// ```
    /// use edgemcp::{Tool, ToolResult};
    ///
    /// let wipe = Tool::untyped("wipe", "Deletes everything", serde_json::json!({"type": "object"}), |_, _| async {
    ///     Ok(ToolResult::text("wiped"))
    /// })
    /// .scopes(["mcp:write", "mcp:admin"]);
    /// # let _ = wipe;
    /// ```
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Declares a client capability the tool cannot work without (`sampling`,
    /// `elicitation`, `roots`).
    ///
    /// On stateless revisions (2026-07-28), where each request states the client's
    /// capabilities, a call from a client without it is refused before the handler runs
    /// with -32021 (HTTP 400) naming the capability. Earlier revisions negotiate
    /// capabilities once per session, which a stateless server does not keep, so there the
    /// handler runs.
    ///
    /// ```
    /// use edgemcp::{Tool, ToolResult};
    ///
    /// let ask = Tool::untyped("ask", "Asks the user", serde_json::json!({"type": "object"}), |_, _| async {
    ///     Ok(ToolResult::text("asked"))
    /// })
    /// .requires_client_capability("elicitation");
    /// # let _ = ask;
    /// ```
    pub fn requires_client_capability(mut self, capability: impl Into<String>) -> Self {
        self.required_client_capabilities.push(capability.into());
        self
    }

    /// Whether calls of this tool may run as tasks, which outlive their request (see
    /// [`TaskSupport`]). The server needs a task store
    /// ([`ServerBuilder::tasks`](crate::ServerBuilder::tasks)) for anything but
    /// [`TaskSupport::Forbidden`], the default.
    ///
    /// ```
    /// use edgemcp::tool::TaskSupport;
    /// use edgemcp::{Tool, ToolResult};
    ///
    /// let export = Tool::untyped("export", "Exports everything", serde_json::json!({"type": "object"}), |_, _| async {
    ///     Ok(ToolResult::text("exported"))
    /// })
    /// .task_support(TaskSupport::Optional);
    /// # let _ = export;
    /// ```
    pub fn task_support(mut self, support: TaskSupport) -> Self {
        self.task_support = support;
        self
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets a human-readable title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the behaviour hints clients see.
    pub fn annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.annotations = Some(annotations);
        self
    }

    /// Declares the JSON Schema of the tool's `structuredContent`. Must describe an object.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(Arc::new(schema));
        self
    }

    /// Overrides the server's per-call time limit for this tool.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The descriptor as `tools/list` shows it; `full` adds the fields of 2025-06-18 on.
    pub(crate) fn descriptor(&self, full: bool) -> Value {
        self.descriptor_with(full, false)
    }

    /// The descriptor of 2025-11-25, which says whether calls may be tasks.
    pub(crate) fn descriptor_with_tasks(&self) -> Value {
        self.descriptor_with(true, true)
    }

    fn descriptor_with(&self, full: bool, execution: bool) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), Value::String(self.name.clone()));
        if full {
            if let Some(title) = &self.title {
                out.insert("title".into(), Value::String(title.clone()));
            }
        }
        out.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        out.insert("inputSchema".into(), (*self.input_schema).clone());
        if full {
            if let Some(schema) = &self.output_schema {
                out.insert("outputSchema".into(), (**schema).clone());
            }
        }
        if let Some(annotations) = &self.annotations {
            if let Ok(value) = serde_json::to_value(annotations) {
                out.insert("annotations".into(), value);
            }
        }
        if execution {
            let support = Value::from(self.task_support.as_str());
            let mut execution = Map::new();
            execution.insert("taskSupport".into(), support);
            out.insert("execution".into(), Value::Object(execution));
        }
        Value::Object(out)
    }
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Whether a tool's calls may run as tasks: answered at once with a task id, their
/// result fetched later, so they may outlast the request (and the isolate or instance
/// that took it).
///
/// On 2025-11-25 the client asks for a task with the call's `task` parameter; on
/// 2026-07-28 (the `io.modelcontextprotocol/tasks` extension) the server decides, for
/// clients that declare the extension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskSupport {
    /// Calls always run within their request (the default).
    #[default]
    Forbidden,
    /// A call runs as a task when the client can take one; a call that finishes at once
    /// may still be answered directly on 2026-07-28.
    Optional,
    /// Calls run only as tasks; a client that cannot take one is refused.
    Required,
}

impl TaskSupport {
    /// The value as the wire spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }
}

struct FnHandler<F>(F);

impl<F, Fut> ToolHandler for FnHandler<F>
where
    F: Fn(Value, RequestContext) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<ToolResult>> + MaybeSend + 'static,
{
    fn call(&self, args: Value, cx: RequestContext) -> ToolFuture {
        let call = (self.0)(args, cx);
        Box::pin(async move { Ok(call.await?) })
    }
}
