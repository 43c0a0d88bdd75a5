use super::listing::Listing;
use super::{Server, ServerInner};
use crate::auth::Auth;
use crate::http::HttpConfig;
use crate::middleware::{Authenticate, Layer, RateLimit, RateLimiter, RateLimits, RequestLog};
use crate::prompt::Prompt;
use crate::protocol::Implementation;
use crate::resource::{Resource, ResourceTemplate};
use crate::runtime::{Runtime, Severity};
use crate::storage::TaskStore;
use crate::tool::Tool;
use crate::{Error, Result};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Collects tools, resources, prompts and settings, then checks and freezes them into a
/// [`Server`].
///
/// Capabilities are derived from what was registered: a server without prompts does not
/// advertise `prompts`, and `prompts/list` is then an unknown method.
#[must_use = "a ServerBuilder does nothing until `build` is called"]
pub struct ServerBuilder {
    info: Implementation,
    instructions: Option<String>,
    http: HttpConfig,
    page_size: usize,
    tool_timeout: Duration,
    request_timeout: Duration,
    list_ttl_ms: u64,
    tools: Vec<Tool>,
    resources: Vec<Resource>,
    templates: Vec<ResourceTemplate>,
    prompts: Vec<Prompt>,
    state_secret: Option<Vec<u8>>,
    state_ttl: Duration,
    auth: Option<Auth>,
    layers: Vec<Arc<dyn Layer>>,
    rate_limits: RateLimits,
    shared_rate_limiter: Option<Arc<dyn RateLimiter>>,
    log_arguments: bool,
    readiness: Option<super::Readiness>,
    tasks: Option<(Arc<dyn TaskStore>, super::TaskSettings)>,
    task_delegate: Option<Arc<dyn super::TaskDelegate>>,
    /// The log level the variables asked for, applied to the runtime at build.
    min_severity: Option<Option<Severity>>,
}

/// How many entries one list page holds unless [`ServerBuilder::page_size`] says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// How long a tool call may run unless [`ServerBuilder::tool_timeout`] or
/// [`Tool::timeout`] says otherwise.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one message (a whole batch included) may take unless
/// [`ServerBuilder::request_timeout`] says otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a sealed `requestState` stays valid unless [`ServerBuilder::state_ttl`] says
/// otherwise.
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(300);

impl ServerBuilder {
    pub(crate) fn new(info: Implementation) -> Self {
        ServerBuilder {
            info,
            instructions: None,
            http: HttpConfig::default(),
            page_size: DEFAULT_PAGE_SIZE,
            tool_timeout: DEFAULT_TOOL_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            list_ttl_ms: 60_000,
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            state_secret: None,
            state_ttl: DEFAULT_STATE_TTL,
            auth: None,
            layers: Vec::new(),
            rate_limits: RateLimits::default(),
            shared_rate_limiter: None,
            log_arguments: false,
            readiness: None,
            tasks: None,
            task_delegate: None,
            min_severity: None,
            prompts: Vec::new(),
        }
    }

    /// Sets a human-readable title for the server.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.info.title = Some(title.into());
        self
    }

    /// Guidance for the model on how to use this server, sent at initialization.
    pub fn instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Registers a tool.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Registers several tools.
    pub fn tools(mut self, tools: impl IntoIterator<Item = Tool>) -> Self {
        self.tools.extend(tools);
        self
    }

    /// Registers a resource with a fixed URI.
    pub fn resource(mut self, resource: Resource) -> Self {
        self.resources.push(resource);
        self
    }

    /// Registers a resource template.
    pub fn resource_template(mut self, template: ResourceTemplate) -> Self {
        self.templates.push(template);
        self
    }

    /// Registers a prompt.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompts.push(prompt);
        self
    }

    /// Registers a workflow, offered as a prompt; it is checked against the tools when
    /// the server is built (see [`crate::workflow`]).
    pub fn workflow(mut self, workflow: crate::workflow::Workflow) -> Self {
        self.prompts.push(Prompt::from(workflow));
        self
    }

    /// How many entries one page of `tools/list`, `resources/list`, … holds (at least 1).
    pub fn page_size(mut self, page_size: usize) -> Self {
        self.page_size = page_size;
        self
    }

    /// The default time limit of one tool call ([`Tool::timeout`] overrides it per tool),
    /// and the limit of each resource read and prompt.
    pub fn tool_timeout(mut self, timeout: Duration) -> Self {
        self.tool_timeout = timeout;
        self
    }

    /// The time limit of one message from its arrival to its answer, every handler and
    /// store call within it included (for a batch, of the whole batch). A handler's own
    /// limit never reaches past it: handlers see what is left as
    /// [`RequestContext::remaining`](crate::RequestContext::remaining).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How long stateless (2026-07-28) clients may cache list results, in milliseconds.
    pub fn list_ttl_ms(mut self, ttl_ms: u64) -> Self {
        self.list_ttl_ms = ttl_ms;
        self
    }

    /// The Streamable HTTP settings: endpoint, allowed origins, body limit.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// How many tools are registered so far.
    pub(crate) fn tool_count(&self) -> usize {
        self.tools.len()
    }

    /// Gives the tools registered from position `start` on, that declare no scopes, the
    /// scope `scope_for` picks.
    pub(crate) fn default_scopes_from(
        mut self,
        start: usize,
        scope_for: impl Fn(&Tool) -> &'static str,
    ) -> Self {
        for tool in self.tools.iter_mut().skip(start) {
            if tool.scopes.is_empty() {
                let scope = scope_for(tool);
                tool.scopes.push(scope.to_owned());
            }
        }
        self
    }

    /// Turns on access control for the HTTP transport: bearer tokens checked by the
    /// [`Auth`]'s verifier, per-tool scopes, RFC 9728 metadata. See [`crate::auth`].
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The secret that seals the `requestState` of multi-round tool calls (2026-07-28),
    /// at least 32 bytes. Give every instance behind one endpoint the same secret, so a
    /// retry that lands on another instance is accepted; without one, each server draws
    /// its own at build and only accepts the states it issued.
    ///
    /// A sealed state is bound to its method, name and caller and expires after
    /// [`state_ttl`](Self::state_ttl). It is signed, not encrypted: the client can read
    /// what it holds (the format is in the README).
    ///
    /// ```
    /// let builder = edgemcp::Server::builder("demo", "1.0.0")
    ///     .state_secret(b"a shared secret of at least 32 bytes!".to_vec());
    /// # let _ = builder;
    /// ```
    pub fn state_secret(mut self, secret: Vec<u8>) -> Self {
        self.state_secret = Some(secret);
        self
    }

    /// Adds a layer to the middleware chain around dispatch (see [`crate::middleware`]).
    /// Layers run in the order they are added, inside the built-in request log and rate
    /// limits.
    ///
    /// ```
    /// use edgemcp::middleware::{from_fn, Exchange, Next};
    ///
    /// let builder = edgemcp::Server::builder("demo", "1.0.0").layer(from_fn(
    ///     |exchange: Exchange, next: Next| async move {
    ///         // Before: the message; after: the reply.
    ///         let reply = next.run(exchange).await;
    ///         reply
    ///     },
    /// ));
    /// # let _ = builder;
    /// ```
    pub fn layer(mut self, layer: impl Layer + 'static) -> Self {
        self.layers.push(Arc::new(layer));
        self
    }

    /// The budgets each caller's requests draw from (none by default): over one, a request
    /// is refused with [`RATE_LIMITED`](crate::middleware::RATE_LIMITED) and a retry hint
    /// (HTTP 429 with `Retry-After`). Buckets live in memory, per process or isolate,
    /// unless [`shared_rate_limiter`](Self::shared_rate_limiter) gives a shared store.
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Keeps the budget of every request in `limiter`, a store all instances share (the
    /// Workers host passes its Rate Limiting binding), instead of in memory. Turns that
    /// limit on even when [`rate_limits`](Self::rate_limits) sets none: the store has its
    /// own. Per-tool budgets stay in memory.
    pub fn shared_rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.shared_rate_limiter = Some(limiter);
        self
    }

    /// Whether the request log holds each `tools/call`'s arguments (off by default):
    /// capped at 1 KiB, the values of secret-looking members masked.
    pub fn log_arguments(mut self, on: bool) -> Self {
        self.log_arguments = on;
        self
    }

    /// Reads the server settings every host takes from its variables:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `EDGEMCP_STATE_SECRET` | the [`state_secret`](Self::state_secret), at least 32 bytes (a secret; the same on every instance) |
    /// | `EDGEMCP_RATE_LIMIT_PER_MINUTE` | requests a minute per caller (off when unset); see [`rate_limits`](Self::rate_limits) |
    /// | `EDGEMCP_RATE_LIMIT_BURST` | how many of them may come at once (default: the per-minute number) |
    /// | `EDGEMCP_RATE_LIMIT_TOOLS` | per-tool budgets, calls a minute per caller: `sql_query=30,blob_put=10` |
    /// | `EDGEMCP_REQUEST_TIMEOUT_MS` | the [`request_timeout`](Self::request_timeout) in milliseconds (default 60000) |
    /// | `EDGEMCP_STATE_TTL_SECONDS` | the [`state_ttl`](Self::state_ttl) in seconds (default 300) |
    /// | `EDGEMCP_LOG_LEVEL` | `debug`, `info` (default), `warn`, `error` or `off`, or `RUST_LOG`-style directives (see [`Severity::from_directives`]); `RUST_LOG` when unset |
    /// | `EDGEMCP_LOG_ARGUMENTS` | `true` to [`log_arguments`](Self::log_arguments) |
    ///
    /// # Errors
    /// A configuration error naming the variable when a value is out of range.
    pub fn settings_from_vars(mut self, get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        if let Some(level) = get("EDGEMCP_LOG_LEVEL").or_else(|| get("RUST_LOG")) {
            let min = Severity::from_directives(&level)
                .map_err(|e| Error::config(format!("EDGEMCP_LOG_LEVEL: {}", e.message())))?;
            self.min_severity = Some(min);
        }
        if let Some(on) = get("EDGEMCP_LOG_ARGUMENTS") {
            self.log_arguments = crate::toolkit::parse_flag("EDGEMCP_LOG_ARGUMENTS", &on)?;
        }
        if let Some(secret) = get("EDGEMCP_STATE_SECRET").filter(|s| !s.is_empty()) {
            if secret.len() < 32 {
                return Err(Error::config(format!(
                    "EDGEMCP_STATE_SECRET is {} bytes; use at least 32 random bytes, such as \
                     the output of `openssl rand -base64 48`.",
                    secret.len()
                )));
            }
            self.state_secret = Some(secret.into_bytes());
        }
        let limits = RateLimits::from_vars(&get)?;
        if !limits.is_empty() {
            self.rate_limits = limits;
        }
        if let Some(ms) = get("EDGEMCP_REQUEST_TIMEOUT_MS") {
            let ms = ms
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=3_600_000).contains(ms))
                .ok_or_else(|| {
                    Error::config(format!(
                        "EDGEMCP_REQUEST_TIMEOUT_MS must be a number of milliseconds from 1 to \
                         3600000, not {ms:?}."
                    ))
                })?;
            self.request_timeout = Duration::from_millis(ms);
        }
        if let Some(ttl) = get("EDGEMCP_STATE_TTL_SECONDS") {
            let seconds = ttl
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=86_400).contains(s))
                .ok_or_else(|| {
                    Error::config(format!(
                        "EDGEMCP_STATE_TTL_SECONDS must be a number of seconds from 1 to 86400, \
                         not {ttl:?}."
                    ))
                })?;
            self.state_ttl = Duration::from_secs(seconds);
        }
        Ok(self)
    }

    /// How long a sealed `requestState` is accepted after it was issued (at least a
    /// second); a retry that comes later must start the call again.
    pub fn state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }

    /// Serves `/ready` with `readiness`: each probe run (within its time limit) on every
    /// GET, 200 when all answer and 503 naming the one that does not. Without it `/ready`
    /// is not served; `/health` answers either way without touching any store.
    ///
    /// ```
    /// use edgemcp::{Readiness, Server, runtime::Runtime, toolkit::Stores};
    /// use edgemcp::{http::HttpRequest, storage::MemoryKv};
    /// use std::sync::Arc;
    ///
    /// let stores = Stores { kv: Some(Arc::new(MemoryKv::new(Runtime::for_tests(0)))), ..Stores::default() };
    /// let server = Server::builder("demo", "1.0.0")
    ///     .readiness(Readiness::new().stores(&stores))
    ///     .build(Runtime::for_tests(0))
    ///     .unwrap();
    /// let ready = futures_executor::block_on(server.handle_http(HttpRequest::new("GET", "/ready")));
    /// assert_eq!(ready.status, 200);
    /// ```
    pub fn readiness(mut self, readiness: super::Readiness) -> Self {
        self.readiness = Some(readiness);
        self
    }

    /// Lets tool calls run as tasks (tools that declare
    /// [`TaskSupport`](crate::tool::TaskSupport)), kept in `store` with the default
    /// [`TaskSettings`](super::TaskSettings). Every instance that serves the same clients
    /// should share one store, so a task started through one is read through any other.
    ///
    /// The runtime must be able to run work after a response
    /// ([`Runtime::with_spawner`]).
    ///
    /// ```
    /// use edgemcp::runtime::{testing::ThreadSpawner, Runtime};
    /// use edgemcp::storage::MemoryTasks;
    /// use edgemcp::tool::TaskSupport;
    /// use edgemcp::{Server, Tool, ToolResult};
    ///
    /// let export = Tool::untyped("export", "Exports everything", serde_json::json!({"type": "object"}), |_, _| async {
    ///     Ok(ToolResult::text("exported"))
    /// })
    /// .task_support(TaskSupport::Optional);
    /// let server = Server::builder("demo", "1.0.0")
    ///     .tool(export)
    ///     .tasks(MemoryTasks::new())
    ///     .build(Runtime::for_tests(0).with_spawner(ThreadSpawner))
    ///     .unwrap();
    /// # let _ = server;
    /// ```
    pub fn tasks(self, store: impl TaskStore + 'static) -> Self {
        self.tasks_in(Arc::new(store))
    }

    /// [`tasks`](Self::tasks) with a shared store.
    pub fn tasks_in(mut self, store: Arc<dyn TaskStore>) -> Self {
        let settings = self.tasks.take().map(|(_, s)| s).unwrap_or_default();
        self.tasks = Some((store, settings));
        self
    }

    /// Lets tool calls run as tasks kept by another server: task calls and task methods
    /// go to `delegate` once the caller is admitted (see [`TaskDelegate`](super::TaskDelegate)).
    /// For hosts whose servers do not outlive a request, such as a Worker isolate, whose
    /// Durable Object keeps the tasks. [`tasks`](Self::tasks) takes precedence.
    pub fn delegate_tasks(mut self, delegate: impl super::TaskDelegate + 'static) -> Self {
        self.task_delegate = Some(Arc::new(delegate));
        self
    }

    /// How long tasks are kept and may run (see [`TaskSettings`](super::TaskSettings));
    /// takes effect with [`tasks`](Self::tasks).
    pub fn task_settings(mut self, settings: super::TaskSettings) -> Self {
        if let Some((_, current)) = &mut self.tasks {
            *current = settings;
        }
        self
    }

    /// Checks the registrations and freezes them into a server running on `runtime`.
    ///
    /// # Errors
    /// [`ErrorKind::ConfigInvalid`](crate::ErrorKind::ConfigInvalid) when two tools,
    /// prompts or resources share a name or URI, a tool name has characters MCP does not
    /// allow, a schema does not describe an object, an `x-mcp-header` annotation breaks
    /// its rules, the page size is zero, or a tool runs only as a task on a server
    /// without tasks (or whose runtime cannot run work after a response).
    pub fn build(mut self, runtime: Runtime) -> Result<Server> {
        let runtime = match self.min_severity {
            Some(min) => runtime.with_min_severity(min),
            None => runtime,
        };
        if self.page_size == 0 {
            return Err(Error::config("The page size must be at least 1."));
        }
        if self.state_ttl < Duration::from_secs(1) {
            return Err(Error::config(
                "The requestState lifetime must be at least a second.",
            ));
        }
        for tool in &mut self.tools {
            check_tool(tool)?;
            let mirrored = crate::tool::mirrored_params(&tool.input_schema).map_err(|reason| {
                Error::config(format!(
                    "The input schema of tool `{}`: {reason}.",
                    tool.name
                ))
            })?;
            tool.mirrored = mirrored.into();
        }
        let tasks = match self.tasks.take() {
            Some(_) if !runtime.can_spawn() => {
                return Err(Error::config(
                    "Tasks need a runtime that can run work after a response; give the runtime a spawner (Runtime::with_spawner).",
                ))
            }
            Some((store, settings)) => Some(super::task::Tasks::new(store, settings)),
            None if self.task_delegate.is_some() => None,
            None => {
                let required = self
                    .tools
                    .iter()
                    .find(|t| t.task_support == crate::tool::TaskSupport::Required);
                if let Some(tool) = required {
                    return Err(Error::config(format!(
                        "Tool `{}` runs only as a task, but the server keeps no tasks; give it a task store (ServerBuilder::tasks).",
                        tool.name
                    )));
                }
                None
            }
        };
        let tool_index = index(&self.tools, |t| &t.name, "tool")?;
        let tool_named = |name: &str| tool_index.get(name).map(|&i| &self.tools[i]);
        for workflow in self.prompts.iter().filter_map(|p| p.workflow.as_deref()) {
            crate::workflow::validate(workflow, &tool_named)?;
        }
        let resource_index = index(&self.resources, |r| &r.uri, "resource URI")?;
        let prompt_index = index(&self.prompts, |p| &p.name, "prompt")?;
        let capabilities = self.capabilities();
        let state_key = match self.state_secret {
            Some(secret) if secret.len() < 32 => {
                return Err(Error::config(format!(
                    "The state secret is {} bytes; use at least 32 random bytes.",
                    secret.len()
                )))
            }
            Some(secret) => secret,
            None => {
                let mut key = vec![0; 32];
                runtime.fill_random(&mut key)?;
                key
            }
        };
        // Access control inside the log, so refusals are logged.
        let mut layers: Vec<Arc<dyn Layer>> = vec![
            Arc::new(RequestLog {
                arguments: self.log_arguments,
            }),
            Arc::new(Authenticate),
        ];
        // Inside the log, so refusals are logged; outside everything else, so a refused
        // request costs nothing more.
        if !self.rate_limits.is_empty() || self.shared_rate_limiter.is_some() {
            layers.push(Arc::new(RateLimit {
                limits: self.rate_limits,
                shared: self.shared_rate_limiter,
            }));
        }
        layers.extend(self.layers);
        let mut tool_list = Listing::new("tools", &self.tools, Tool::descriptor);
        if tasks.is_some() || self.task_delegate.is_some() {
            tool_list = tool_list.with_tasks(&self.tools, Tool::descriptor_with_tasks);
        }
        Ok(Server {
            inner: Arc::new(ServerInner {
                chain: crate::middleware::chain(&layers),
                tool_list,
                resource_list: Listing::new("resources", &self.resources, Resource::descriptor),
                template_list: Listing::new(
                    "templates",
                    &self.templates,
                    ResourceTemplate::descriptor,
                ),
                prompt_list: Listing::new("prompts", &self.prompts, Prompt::descriptor),
                info: self.info,
                instructions: self.instructions,
                readiness: self.readiness,
                tasks,
                task_delegate: self.task_delegate,
                runtime,
                http: self.http,
                page_size: self.page_size,
                tool_timeout: self.tool_timeout,
                request_timeout: self.request_timeout,
                list_ttl_ms: self.list_ttl_ms,
                tools: self.tools,
                tool_index,
                resources: self.resources,
                resource_index,
                templates: self.templates,
                prompts: self.prompts,
                prompt_index,
                capabilities,
                state_key,
                state_ttl_ms: u64::try_from(self.state_ttl.as_millis()).unwrap_or(u64::MAX),
                auth: self.auth,
            }),
        })
    }

    fn capabilities(&self) -> Value {
        let mut caps = Map::new();
        caps.insert("logging".into(), json!({}));
        if !self.tools.is_empty() {
            caps.insert("tools".into(), json!({"listChanged": false}));
        }
        if !self.resources.is_empty() || !self.templates.is_empty() {
            caps.insert(
                "resources".into(),
                json!({"subscribe": false, "listChanged": false}),
            );
        }
        if !self.prompts.is_empty() {
            caps.insert("prompts".into(), json!({"listChanged": false}));
        }
        // Any prompt argument or template variable can be completed; one without a
        // completer just offers no values.
        let completable =
            self.prompts.iter().any(|p| !p.arguments.is_empty()) || !self.templates.is_empty();
        if completable {
            caps.insert("completions".into(), json!({}));
        }
        Value::Object(caps)
    }
}

fn check_tool(tool: &Tool) -> Result<()> {
    let name_ok = !tool.name.is_empty()
        && tool.name.len() <= 128
        && tool
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !name_ok {
        return Err(Error::config(format!(
            "Tool name {:?} is invalid: use 1 to 128 letters, digits, `_`, `-` or `.`.",
            tool.name
        )));
    }
    if tool.input_schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err(Error::config(format!(
            "The input schema of tool `{}` must have \"type\": \"object\"; wrap the arguments in a struct.",
            tool.name
        )));
    }
    if let Some(schema) = &tool.output_schema {
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(Error::config(format!(
                "The output schema of tool `{}` must have \"type\": \"object\".",
                tool.name
            )));
        }
    }
    Ok(())
}

fn index<T>(
    items: &[T],
    key: impl Fn(&T) -> &String,
    what: &str,
) -> Result<HashMap<String, usize>> {
    let mut map = HashMap::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if map.insert(key(item).clone(), i).is_some() {
            return Err(Error::config(format!(
                "Two registrations share the {what} {:?}; names must be unique.",
                key(item)
            )));
        }
    }
    Ok(map)
}
