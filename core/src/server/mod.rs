//! The server: what was registered, and how requests reach it.

mod builder;
mod cancel;
mod context;
mod dispatch;
mod input;
mod listing;
mod methods;
mod ready;
mod reply;
mod report;
mod resolve;
mod session;
mod state;
mod task;
mod workflow;

pub use builder::{
    ServerBuilder, DEFAULT_PAGE_SIZE, DEFAULT_REQUEST_TIMEOUT, DEFAULT_STATE_TTL,
    DEFAULT_TOOL_TIMEOUT,
};
pub use cancel::{Cancellation, Cancelled};
pub(crate) use context::Link;
pub use context::RequestContext;
pub(crate) use dispatch::{incoming_id, named_target};
pub use ready::Readiness;
pub use reply::{Outcome, Reply};
pub use session::{Notifier, Session};
pub use task::{TaskDelegate, TaskSettings};

use crate::http::HttpConfig;
use crate::prompt::Prompt;
use crate::protocol::Implementation;
use crate::resource::{Resource, ResourceTemplate};
use crate::runtime::Runtime;
use crate::tool::Tool;
use listing::Listing;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// An MCP server: tools, resources and prompts behind one dispatcher.
///
/// Build it once per process or isolate with [`Server::builder`] and share it: it is
/// cheap to clone, and everything that can be computed ahead (schemas, list pages,
/// capabilities) was computed when it was built.
///
/// ```
/// use edgemcp::{Server, Tool, ToolResult, runtime::Runtime};
/// use serde_json::json;
///
/// let server = Server::builder("demo", "1.0.0")
///     .tool(Tool::untyped("hello", "Says hello.", json!({"type": "object"}), |_, _| async {
///         Ok(ToolResult::text("hello"))
///     }))
///     .build(Runtime::for_tests(0))
///     .unwrap();
/// assert_eq!(server.info().name, "demo");
/// ```
#[derive(Clone)]
pub struct Server {
    inner: Arc<ServerInner>,
}

pub(crate) struct ServerInner {
    pub(crate) info: Implementation,
    pub(crate) instructions: Option<String>,
    pub(crate) runtime: Runtime,
    pub(crate) http: HttpConfig,
    pub(crate) page_size: usize,
    pub(crate) tool_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) list_ttl_ms: u64,
    pub(crate) tools: Vec<Tool>,
    pub(crate) tool_index: HashMap<String, usize>,
    pub(crate) tool_list: Listing,
    pub(crate) resources: Vec<Resource>,
    pub(crate) resource_index: HashMap<String, usize>,
    pub(crate) resource_list: Listing,
    pub(crate) templates: Vec<ResourceTemplate>,
    pub(crate) template_list: Listing,
    pub(crate) prompts: Vec<Prompt>,
    pub(crate) prompt_index: HashMap<String, usize>,
    pub(crate) prompt_list: Listing,
    pub(crate) capabilities: Value,
    /// Seals the `requestState` of multi-round requests.
    pub(crate) state_key: Vec<u8>,
    /// How long a sealed `requestState` stays valid.
    pub(crate) state_ttl_ms: u64,
    /// Access control on the HTTP transport, if on.
    pub(crate) auth: Option<crate::auth::Auth>,
    /// The middleware chain every message passes through.
    pub(crate) chain: crate::middleware::BoxHandler,
    /// What `/ready` probes, when it is served.
    pub(crate) readiness: Option<ready::Readiness>,
    /// Where tasks are kept, when calls may run as tasks here.
    pub(crate) tasks: Option<task::Tasks>,
    /// Where task calls and task methods go when this server keeps no tasks itself.
    pub(crate) task_delegate: Option<Arc<dyn task::TaskDelegate>>,
}

impl Server {
    /// Starts building a server that introduces itself with `name` and `version`.
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServerBuilder {
        ServerBuilder::new(Implementation::new(name, version))
    }

    /// The server's name and version.
    pub fn info(&self) -> &Implementation {
        &self.inner.info
    }

    /// The HTTP settings the server was built with.
    pub fn http_config(&self) -> &HttpConfig {
        &self.inner.http
    }

    /// The time limit of one message (see [`ServerBuilder::request_timeout`]).
    pub(crate) fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// Runs the `/ready` probes: whether every store answered, and the report (`None`
    /// when the server was built without [`ServerBuilder::readiness`]).
    pub async fn check_readiness(&self) -> Option<(bool, Value)> {
        let readiness = self.inner.readiness.as_ref()?;
        Some(readiness.check(&self.inner.runtime).await)
    }

    /// The access control the server was built with, if any.
    pub fn auth(&self) -> Option<&crate::auth::Auth> {
        self.inner.auth.as_ref()
    }

    /// The tool registered as `name`.
    pub(crate) fn tool_named(&self, name: &str) -> Option<&crate::tool::Tool> {
        let index = *self.inner.tool_index.get(name)?;
        self.inner.tools.get(index)
    }

    /// The tool (for `tools/call`) or prompt (for `prompts/get`) registered as `name`.
    #[cfg(feature = "metrics")]
    pub(crate) fn registered(&self, method: &str, name: &str) -> Option<Registered> {
        match method {
            crate::protocol::methods::TOOLS_CALL => self
                .inner
                .tool_index
                .get(name)
                .map(|&i| Registered::Tool(i)),
            crate::protocol::methods::PROMPTS_GET => self
                .inner
                .prompt_index
                .get(name)
                .map(|&i| Registered::Prompt(i)),
            _ => None,
        }
    }

    /// The name of a registered tool or prompt.
    #[cfg(feature = "metrics")]
    pub(crate) fn registered_name(&self, registered: Registered) -> Option<&str> {
        match registered {
            Registered::Tool(i) => self.inner.tools.get(i).map(|tool| tool.name.as_str()),
            Registered::Prompt(i) => self.inner.prompts.get(i).map(|p| p.name.as_str()),
        }
    }

    /// The tool a `tools/call` request names, if it is one and the tool exists.
    pub(crate) fn called_tool(
        &self,
        request: &crate::jsonrpc::Request,
    ) -> Option<&crate::tool::Tool> {
        if request.method != crate::protocol::methods::TOOLS_CALL {
            return None;
        }
        self.tool_named(request.params.get("name")?.as_str()?)
    }

    /// The runtime the server was built with.
    pub fn runtime(&self) -> &Runtime {
        &self.inner.runtime
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("info", &self.inner.info)
            .field("tools", &self.inner.tools.len())
            .field("resources", &self.inner.resources.len())
            .field("templates", &self.inner.templates.len())
            .field("prompts", &self.inner.prompts.len())
            .finish()
    }
}

/// The revision of `req`, or the error reply that refuses it.
pub(crate) fn resolve_request(
    req: &crate::jsonrpc::Request,
    transport: Option<crate::protocol::ProtocolVersion>,
) -> Result<crate::protocol::ProtocolVersion, Box<Reply>> {
    resolve::resolve_version(req, transport)
        .map_err(|f| Box::new(f.into_reply(Some(req.id.clone()))))
}

/// The -32022 reply for a revision this server does not speak.
pub(crate) fn unsupported_version_reply(
    id: Option<crate::jsonrpc::RequestId>,
    requested: &str,
) -> Reply {
    resolve::unsupported_version(requested).into_reply(id)
}

/// The -32020 reply for headers that disagree with the body.
pub(crate) fn header_mismatch_reply(
    id: Option<crate::jsonrpc::RequestId>,
    message: String,
) -> Reply {
    resolve::header_mismatch(message).into_reply(id)
}

/// A tool or prompt by its place in a server, for labels that must not copy its name per
/// message.
#[cfg(feature = "metrics")]
#[derive(Debug, Clone, Copy)]
pub(crate) enum Registered {
    Tool(usize),
    Prompt(usize),
}
