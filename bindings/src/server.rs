//! `McpServer`: the JavaScript face of an edgemcp server.

use crate::auth::auth_from_js;
use crate::convert::{field, js_error, string_field};
use crate::fetch::{read_request, write_response};
use crate::handlers::{prompt_from_js, resource_from_js, tool_from_js, ResourceEntry};
use crate::toolkits::Toolkits;
use edgemcp::auth::{Auth, Caller};
use edgemcp::jsonrpc;
use edgemcp::runtime::{LogEvent, Logger, Runtime};
use edgemcp::{Error, Outcome, Prompt, Resource, ResourceTemplate, Server, Session, Tool};
use std::cell::RefCell;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `ServerOptions` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ServerOptions")]
    pub type ServerOptions;
    /// `MessageOptions` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "MessageOptions")]
    pub type MessageOptions;
    /// `ToolDefinition` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ToolDefinition")]
    pub type ToolDefinition;
    /// `ToolHandler` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ToolHandler")]
    pub type ToolHandler;
    /// `ResourceDefinition` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ResourceDefinition")]
    pub type ResourceDefinition;
    /// `ResourceHandler` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "ResourceHandler")]
    pub type ResourceHandler;
    /// `PromptDefinition` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "PromptDefinition")]
    pub type PromptDefinition;
    /// `WorkflowDefinition` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "WorkflowDefinition")]
    pub type WorkflowDefinition;
    /// `PromptHandler` in the TypeScript declarations.
    #[wasm_bindgen(typescript_type = "PromptHandler")]
    pub type PromptHandler;
}

/// The `logger` option: a function that receives each log event as an object.
struct JsLogger(js_sys::Function);

impl Logger for JsLogger {
    fn log(&self, event: &LogEvent<'_>) {
        if let Ok(object) = js_sys::JSON::parse(&event.to_json().to_string()) {
            // A logger that throws must not fail the request it reports on.
            let _ = self.0.call1(&JsValue::UNDEFINED, &object);
        }
    }
}

/// What has been registered, kept so the server can be rebuilt after each registration.
struct Registry {
    name: String,
    version: String,
    title: Option<String>,
    instructions: Option<String>,
    /// The host's runtime, shared by access control and every rebuild.
    runtime: Runtime,
    /// Kept across rebuilds, and with it the cache of the issuer's keys.
    auth: Option<Auth>,
    /// The built-in toolkits, when the `toolkits` option gives their bindings.
    toolkits: Option<Toolkits>,
    /// Tasks (such as `sql_export`'s), kept in memory across rebuilds; their work runs on
    /// the event loop, so they last as long as the page or process.
    tasks: Arc<edgemcp::storage::MemoryTasks>,
    tools: Vec<Tool>,
    resources: Vec<Resource>,
    templates: Vec<ResourceTemplate>,
    prompts: Vec<Prompt>,
}

impl Registry {
    fn build(&self) -> edgemcp::Result<Server> {
        let mut builder =
            Server::builder(&self.name, &self.version).tools(self.tools.iter().cloned());
        if let Some(toolkits) = &self.toolkits {
            builder = toolkits.register(builder)?;
        }
        for prompt in &self.prompts {
            builder = builder.prompt(prompt.clone());
        }
        for resource in &self.resources {
            builder = builder.resource(resource.clone());
        }
        for template in &self.templates {
            builder = builder.resource_template(template.clone());
        }
        if let Some(title) = &self.title {
            builder = builder.title(title);
        }
        if let Some(instructions) = &self.instructions {
            builder = builder.instructions(instructions);
        }
        if let Some(auth) = &self.auth {
            builder = builder.auth(auth.clone());
        }
        builder
            .tasks_in(self.tasks.clone())
            .build(self.runtime.clone())
    }
}

/// An MCP server whose tools, resources and prompts are JavaScript functions.
///
/// Serve it from any fetch-style host with [`handle`](McpServer::handle) (a service
/// worker, Deno, Bun, Node 18+, a Worker), or over any message channel with
/// [`handleMessage`](McpServer::handle_message). It is stateless over HTTP, as the core
/// is; over `handleMessage` it remembers the revision `initialize` negotiated.
///
/// ```js
/// import { McpServer } from "edgemcp";
///
/// const server = new McpServer({ name: "demo", version: "1.0.0" });
/// server.tool("add", {
///   description: "Adds two numbers",
///   inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
/// }, ({ a, b }) => ({ sum: a + b }));
/// export default { fetch: (request) => server.handle(request) };
/// ```
#[wasm_bindgen]
pub struct McpServer {
    registry: RefCell<Registry>,
    /// The server built from the registry; rebuilt on each registration.
    server: RefCell<Server>,
    /// `handleMessage`'s session: the revision `initialize` negotiated and the requests
    /// running, which `notifications/cancelled` can stop.
    session: Arc<Session>,
}

#[wasm_bindgen]
impl McpServer {
    /// A server: `{ name, version, title?, instructions?, auth?, logger?, toolkits? }`.
    /// With `toolkits` (an object like a Worker's `env`: `DB`, `KV`, `BUCKET` bindings and
    /// `EDGEMCP_*` settings) it starts with the built-in SQL, KV and blob tools and their
    /// workflows; otherwise with no tools.
    ///
    /// # Errors
    /// Throws when `name` or `version` is missing, `auth` is not a valid access control
    /// setting, `logger` is not a function, or `toolkits` holds no binding or a setting
    /// that cannot be read.
    #[wasm_bindgen(constructor)]
    pub fn new(options: ServerOptions) -> Result<McpServer, JsValue> {
        let options = JsValue::from(options);
        let what = "the server options";
        let required = |key: &str| -> Result<String, JsValue> {
            string_field(&options, key, what)
                .map_err(|e| js_error(&e))?
                .ok_or_else(|| js_error(&Error::invalid_params(format!("{what} need `{key}`"))))
        };
        let mut runtime =
            edgemcp::runtime::web::runtime().with_spawner(edgemcp::runtime::web::EventLoopSpawner);
        if let Some(logger) = field(&options, "logger") {
            let logger = logger.dyn_into::<js_sys::Function>().map_err(|_| {
                js_error(&Error::invalid_params(format!(
                    "{what}.logger must be a function that takes one log event"
                )))
            })?;
            runtime = runtime.with_logger(JsLogger(logger));
        }
        let registry = Registry {
            name: required("name")?,
            version: required("version")?,
            title: string_field(&options, "title", what).map_err(|e| js_error(&e))?,
            instructions: string_field(&options, "instructions", what).map_err(|e| js_error(&e))?,
            auth: match field(&options, "auth") {
                Some(auth) => auth_from_js(&auth, &runtime).map_err(|e| js_error(&e))?,
                None => None,
            },
            toolkits: match field(&options, "toolkits") {
                Some(env) => Some(Toolkits::from_js(&env, &runtime).map_err(|e| js_error(&e))?),
                None => None,
            },
            runtime,
            tasks: Arc::default(),
            tools: Vec::new(),
            resources: Vec::new(),
            templates: Vec::new(),
            prompts: Vec::new(),
        };
        let server = registry.build().map_err(|e| js_error(&e))?;
        Ok(McpServer {
            registry: RefCell::new(registry),
            server: RefCell::new(server),
            session: Arc::default(),
        })
    }

    /// Registers a tool: `handler(args, ctx)` returns (or resolves to) a string, an object
    /// (structured content), or a whole result `{ content, structuredContent?, isError? }`.
    /// A throw or a rejection becomes an `isError` result with its message.
    ///
    /// # Errors
    /// Throws when the definition is invalid or the name is taken.
    pub fn tool(
        &self,
        name: &str,
        definition: ToolDefinition,
        handler: ToolHandler,
    ) -> Result<(), JsValue> {
        let tool = tool_from_js(name, &definition.into(), handler.unchecked_into())
            .map_err(|e| js_error(&e))?;
        self.register(|registry| registry.tools.push(tool))
    }

    /// Registers a resource: `handler(uri, variables)` returns a string (text), a
    /// `Uint8Array` (binary), or `{ text }` / `{ blob }` contents. A `uri` with
    /// `{variables}` registers a template, matched against the URIs clients read.
    ///
    /// # Errors
    /// Throws when the definition or template is invalid or the URI is taken.
    pub fn resource(
        &self,
        uri: &str,
        definition: ResourceDefinition,
        handler: ResourceHandler,
    ) -> Result<(), JsValue> {
        let entry = resource_from_js(uri, &definition.into(), handler.unchecked_into())
            .map_err(|e| js_error(&e))?;
        self.register(|registry| match entry {
            ResourceEntry::Fixed(resource) => registry.resources.push(resource),
            ResourceEntry::Template(template) => registry.templates.push(template),
        })
    }

    /// Registers a prompt: `handler(args)` returns a string (one user message) or an
    /// array of `{ role, text }` / `{ role, content }` messages. A missing required
    /// argument is refused before the handler runs.
    ///
    /// # Errors
    /// Throws when the definition is invalid or the name is taken.
    pub fn prompt(
        &self,
        name: &str,
        definition: PromptDefinition,
        handler: PromptHandler,
    ) -> Result<(), JsValue> {
        let prompt = prompt_from_js(name, &definition.into(), handler.unchecked_into())
            .map_err(|e| js_error(&e))?;
        self.register(|registry| registry.prompts.push(prompt))
    }

    /// Registers a workflow: a prompt whose `prompts/get` runs `definition.steps` (calls
    /// of this server's tools, each step's output feeding the next) and returns what they
    /// found. It is checked against the tools now: an unknown tool, a missing argument or
    /// a field the producing tool's `outputSchema` lacks throws with what to fix.
    ///
    /// # Errors
    /// Throws when the definition is invalid or does not fit the tools.
    pub fn workflow(&self, name: &str, definition: WorkflowDefinition) -> Result<(), JsValue> {
        let workflow = crate::workflow::workflow_from_js(name, &definition.into())
            .map_err(|e| js_error(&e))?;
        self.register(|registry| registry.prompts.push(Prompt::from(workflow)))
    }

    /// Answers a fetch `Request` with a `Response`: Streamable HTTP on `/mcp`, `/health`,
    /// and with `toolkits` `/ready` (each store probed). Progress and logs (when asked
    /// for) arrive as one SSE body.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn handle(&self, request: web_sys::Request) -> js_sys::Promise {
        let server = self.server.borrow().clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let limit = server.http_config().max_body_bytes;
            let request = read_request(&request, limit).await.map_err(|message| {
                js_error(&Error::invalid_params(format!(
                    "the request cannot be read: {message}"
                )))
            })?;
            let response = server.handle_http(request).await;
            Ok(write_response(response).await?.into())
        })
    }

    /// Answers one JSON-RPC message (or batch) given as text; resolves to the response
    /// text, or `null` for notifications. Malformed JSON gets a JSON-RPC parse error.
    ///
    /// The calls form one session: the revision `initialize` negotiates holds for later
    /// messages, and `notifications/cancelled` stops the request it names (its promise
    /// resolves to `null`, as a cancelled request gets no response; a handler still
    /// running sees `ctx.cancelled`).
    ///
    /// `options.token` is the caller's bearer token. A server built with `auth` refuses a
    /// message without one, or with a token it does not accept, with the JSON-RPC error an
    /// HTTP request would get in its body.
    ///
    /// # Errors
    /// Rejects when `options.token` is there but not a string.
    #[wasm_bindgen(js_name = handleMessage, unchecked_return_type = "Promise<string | null>")]
    pub fn handle_message(&self, json: String, options: Option<MessageOptions>) -> js_sys::Promise {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let caller = match string_field(&options, "token", "the message options") {
            Ok(Some(token)) => Caller::bearer(token),
            Ok(None) => Caller::anonymous(),
            Err(error) => {
                let error = js_error(&error);
                return wasm_bindgen_futures::future_to_promise(async move { Err(error) });
            }
        };
        // Started now, not inside the promise: a `notifications/cancelled` passed to the
        // next call must find this request already running.
        let answer = self.server.borrow().start_in_session(
            &self.session,
            jsonrpc::parse(json.as_bytes()),
            None,
            caller,
        );
        wasm_bindgen_futures::future_to_promise(async move {
            let outcome = answer.await;
            let text = match outcome {
                Outcome::Accepted => return Ok(JsValue::NULL),
                Outcome::One(reply) => Ok(reply.into_json()),
                Outcome::Batch(responses) => serde_json::to_vec(&responses),
            };
            let text = text.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            text.map(|t| JsValue::from_str(&t)).map_err(|e| {
                js_error(&Error::internal(format!(
                    "a response cannot be written: {e}"
                )))
            })
        })
    }
}

impl McpServer {
    /// Applies `change` and rebuilds the server; a change the server refuses is undone.
    fn register(&self, change: impl FnOnce(&mut Registry)) -> Result<(), JsValue> {
        let mut registry = self.registry.borrow_mut();
        let before = (
            registry.tools.len(),
            registry.resources.len(),
            registry.templates.len(),
            registry.prompts.len(),
        );
        change(&mut registry);
        match registry.build() {
            Ok(server) => {
                *self.server.borrow_mut() = server;
                Ok(())
            }
            Err(error) => {
                registry.tools.truncate(before.0);
                registry.resources.truncate(before.1);
                registry.templates.truncate(before.2);
                registry.prompts.truncate(before.3);
                Err(js_error(&error))
            }
        }
    }
}
