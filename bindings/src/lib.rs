//! JavaScript bindings for edgemcp: the npm package `edgemcp`.
//!
//! The same core that runs on Workers and natively, as WebAssembly for any JavaScript
//! host: register tools, resources and prompts as JS functions on an [`McpServer`], then
//! serve it with `server.handle(request)` (fetch-style hosts: browsers' service workers,
//! Deno, Bun, Node 18+) or `server.handleMessage(json)` (any message channel).
//!
//! | module | what it holds |
//! |---|---|
//! | [`server`] | `McpServer`, the class JS code uses |
//! | [`context`] | `ToolContext`, the `ctx` a tool handler receives |
//! | `handlers` | JS functions as the core's tool, resource and prompt handlers |
//! | `auth` | the `auth` option: JWTs or API keys, as on every host |
//! | `toolkits` | the `toolkits` option: the built-in tools over D1, KV and R2 bindings |
//! | `fetch` | fetch `Request` / `Response` as the core's plain HTTP values |
//! | `convert` | JSON across the boundary, thrown values as messages |
//!
//! Build with `scripts/build-bindings` (wasm-pack, `web` and `nodejs` targets). The crate
//! is empty except on `wasm32`.

#![cfg(target_arch = "wasm32")]

mod auth;
pub mod context;
mod convert;
mod fetch;
mod handlers;
pub mod server;
mod toolkits;
mod workflow;

pub use context::ToolContext;
pub use server::McpServer;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &str = r#"
/** Options of `new McpServer(...)`. */
export interface ServerOptions {
  name: string;
  version: string;
  title?: string;
  /** Told to the client at initialize: how to use this server's tools. */
  instructions?: string;
  /** Access control over `handle` (HTTP) and `handleMessage`; off when left out. */
  auth?: AuthOptions;
  /**
   * Receives the server's own log events, such as the detail of a failure that the
   * client sees only by its correlation id. Default: `console.error` / `console.log`.
   */
  logger?: (event: LogEvent) => void;
  /**
   * The built-in SQL, KV and blob tools (and their workflows) over Cloudflare-shaped
   * bindings: inside a JavaScript Worker pass `env`; elsewhere any object with the
   * bindings (wrangler's `getPlatformProxy()` gives local ones). Tools of your own are
   * registered beside them.
   */
  toolkits?: ToolkitBindings;
}

/**
 * The bindings the toolkits use, each optional, and `EDGEMCP_*` settings (the same names
 * as on every host, such as `EDGEMCP_SQL_MAX_ROWS` or `EDGEMCP_KV_READ_ONLY`).
 */
export interface ToolkitBindings {
  /** A D1 database: the `sql_*` tools and `sql://` resources. */
  DB?: unknown;
  /** A KV namespace: the `kv_*` tools. */
  KV?: unknown;
  /** An R2 bucket: the `blob_*` tools. */
  BUCKET?: unknown;
  [setting: string]: unknown;
}

/** One server log event; never holds a token, a key or a secret. */
export interface LogEvent {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  /** For failures: the id the client was given. */
  correlation_id?: string;
  [field: string]: unknown;
}

/** Options of `handleMessage(json, options)`. */
export interface MessageOptions {
  /** The caller's bearer token; required when the server has `auth`. */
  token?: string;
}

/**
 * Access control, as the `EDGEMCP_AUTH_*` variables of the other hosts (see the README):
 * `{ mode: "jwt", issuer, audience, jwksUrl? }` checks OAuth access tokens against the
 * issuer's keys with this host's `fetch` and WebCrypto; `{ mode: "api_key", audience,
 * apiKeys }` checks static keys by their SHA-256 hashes.
 */
export interface AuthOptions {
  mode: "none" | "jwt" | "api_key";
  /** The canonical URL of the MCP endpoint; JWTs must carry it in `aud`. */
  audience?: string;
  /** The authorization server, matched exactly against `iss`. */
  issuer?: string;
  /** Scopes the protected-resource metadata advertises. */
  scopes?: string | string[];
  jwksUrl?: string;
  preset?: "oidc" | "cognito" | "auth0" | "entra";
  clientId?: string;
  tenantClaim?: string;
  leewaySeconds?: number;
  jwksCacheSeconds?: number;
  jwksRefreshSeconds?: number;
  /** SHA-256 hex of each key (`hash` or `hash:tenant`). */
  apiKeys?: string | string[];
  apiKeyScopes?: string | string[];
}

/** Hints about a tool's behaviour; clients must not trust them from untrusted servers. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition {
  /** What the tool does, for the model. */
  description: string;
  title?: string;
  /** A JSON Schema for the arguments object; arguments are checked before the handler runs. */
  inputSchema?: object;
  /** A JSON Schema for the structured content the handler returns. */
  outputSchema?: object;
  annotations?: ToolAnnotations;
  /** Scopes a caller's token must grant to see and call the tool, when `auth` is on. */
  scopes?: string[];
  /** Stop waiting for the handler after this long; the call becomes an error. */
  timeoutMs?: number;
}

/** One block of content in a result or message. */
export type Content =
  | { type: "text"; text: string }
  | { type: "image"; data: string; mimeType: string }
  | { type: "audio"; data: string; mimeType: string }
  | { type: "resource"; resource: ResourceContents };

/** A string is text; an object is structured content; or a whole result. */
export type ToolOutput =
  | string
  | object
  | { content: Content[]; structuredContent?: object; isError?: boolean }
  | undefined
  | null;

/**
 * A thrown error or a rejected promise becomes an `isError` result. Its message reaches
 * the client only when the error has `expose: true` (written for the user); otherwise
 * the client gets a generic message with a correlation id, and the message goes to the
 * `logger`.
 */
export type ToolHandler = (args: any, ctx: ToolContext) => ToolOutput | Promise<ToolOutput>;

export interface ResourceDefinition {
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export type ResourceContents =
  | { uri?: string; mimeType?: string; text: string }
  | { uri?: string; mimeType?: string; blob: string };

/** A string is text, a Uint8Array binary. */
export type ResourceOutput = string | Uint8Array | ResourceContents | ResourceContents[];

/** `variables` holds a template's matched `{variables}` (empty for a fixed URI). */
export type ResourceHandler = (
  uri: string,
  variables: Record<string, string>,
) => ResourceOutput | Promise<ResourceOutput>;

export interface PromptArgumentDefinition {
  name: string;
  description?: string;
  required?: boolean;
  /** Values offered by completion/complete, filtered by what the user typed. */
  complete?: string[];
}

export interface PromptDefinition {
  description?: string;
  title?: string;
  arguments?: PromptArgumentDefinition[];
}

/** A string is one user message. */
export type PromptOutput =
  | string
  | Array<{ role: "user" | "assistant"; text?: string; content?: Content }>;

export type PromptHandler = (args: Record<string, string>) => PromptOutput | Promise<PromptOutput>;

/** Where a workflow step's argument comes from. */
export type WorkflowSource =
  | { argument: string; default?: unknown }
  | { constant: unknown }
  | { output: string; path: string }
  | { item: string }
  | { template: string; values: Record<string, WorkflowSource>; identifiers?: string[] };

/** One step: a call of `tool` (once per element of `forEach`), or one handed to the model. */
export interface WorkflowStep {
  name: string;
  tool: string;
  args?: Record<string, WorkflowSource>;
  forEach?: WorkflowSource;
  /** Not run: the prompt tells the assistant to make this call, and why. */
  handoff?: string;
}

export interface WorkflowDefinition {
  description: string;
  title?: string;
  arguments?: PromptArgumentDefinition[];
  steps: WorkflowStep[];
  /** The closing message: what to do with the gathered facts. */
  instruction?: string;
}
"#;
