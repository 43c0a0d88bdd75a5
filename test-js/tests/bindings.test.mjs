// The npm package `edgemcp` (bindings/pkg/nodejs, built by scripts/build-bindings) in
// Node, driven by the official MCP TypeScript SDK client: over `handleMessage` through an
// in-process transport, and over Streamable HTTP through `handle` behind node:http.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freePort, withHttpClient } from "./helpers.mjs";
import { startIdentityProvider } from "./identity-provider.mjs";
import { jwtAuthVars, jwtMatrix } from "./jwt-scenarios.mjs";

const require = createRequire(import.meta.url);
const { McpServer } = require("../../bindings/pkg/nodejs/edgemcp.js");

/** A server with JS tools, a resource template, a binary resource and a prompt. */
function demoServer() {
  const server = new McpServer({ name: "node-demo", version: "0.1.0", instructions: "Try `add`." });
  server.tool(
    "add",
    {
      description: "Adds two numbers",
      inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
      outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
      annotations: { readOnlyHint: true },
    },
    ({ a, b }) => ({ sum: a + b }),
  );
  server.tool("slow-count", { description: "Counts with progress" }, async ({ n = 3 }, ctx) => {
    for (let i = 1; i <= n; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ctx.progress(i, n, `step ${i}`);
    }
    return `counted to ${n}`;
  });
  server.tool("fails", { description: "Always throws" }, () => {
    throw new Error("database is down");
  });
  server.tool("rejects", { description: "Always rejects" }, async () => {
    throw new RangeError("out of range");
  });
  server.resource("notes://{topic}", { name: "notes", mimeType: "text/markdown" }, (uri, { topic }) => `# ${topic}`);
  server.resource("data://logo", { name: "logo", mimeType: "image/png" }, () => new Uint8Array([137, 80, 78, 71]));
  server.prompt(
    "review",
    { description: "Asks for a code review", arguments: [{ name: "language", required: true, complete: ["rust", "ruby", "go"] }] },
    ({ language }) => [{ role: "user", text: `Review this ${language} code.` }],
  );
  return server;
}

/** An SDK transport that hands each message to `server.handleMessage`. */
class HandleMessageTransport {
  constructor(server) {
    this.server = server;
  }
  async start() {}
  async send(message) {
    const reply = await this.server.handleMessage(JSON.stringify(message));
    if (reply !== null) queueMicrotask(() => this.onmessage?.(JSON.parse(reply)));
  }
  async close() {
    this.onclose?.();
  }
}

/** `server.handle` behind node:http on 127.0.0.1, as a Node 18+ host would do it. */
async function serveOverHttp(server, port = 0) {
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    const response = await server.handle(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => http.listen(port, "127.0.0.1", resolve));
  return http;
}

/** Runs the same checks over any connected client. */
async function scenarios(client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "fails", "rejects", "slow-count"]);
  assert.equal(tools.find((t) => t.name === "add").annotations.readOnlyHint, true);

  const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
  assert.deepEqual(sum.structuredContent, { sum: 42 });

  const failed = await client.callTool({ name: "fails", arguments: {} });
  assert.equal(failed.isError, true);
  assert.match(failed.content[0].text, /database is down/);
  const rejected = await client.callTool({ name: "rejects", arguments: {} });
  assert.equal(rejected.isError, true);
  assert.match(rejected.content[0].text, /out of range/);
  const wrong = await client.callTool({ name: "add", arguments: { a: "2", b: 1 } });
  assert.equal(wrong.isError, true);
  assert.match(wrong.content[0].text, /`a`.*number/);

  const note = await client.readResource({ uri: "notes://rust" });
  assert.equal(note.contents[0].text, "# rust");
  const logo = await client.readResource({ uri: "data://logo" });
  assert.equal(logo.contents[0].blob, Buffer.from([137, 80, 78, 71]).toString("base64"));

  const prompt = await client.getPrompt({ name: "review", arguments: { language: "go" } });
  assert.equal(prompt.messages[0].content.text, "Review this go code.");
  await assert.rejects(client.getPrompt({ name: "review", arguments: {} }), /language/);
  const completion = await client.complete({ ref: { type: "ref/prompt", name: "review" }, argument: { name: "language", value: "r" } });
  assert.deepEqual(completion.completion.values, ["rust", "ruby"]);
}

describe("edgemcp (npm, nodejs build) over handleMessage", () => {
  test("the SDK client negotiates and runs every scenario", async () => {
    const client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
    await client.connect(new HandleMessageTransport(demoServer()));
    assert.equal(client.getServerVersion().name, "node-demo");
    assert.equal(client.getInstructions(), "Try `add`.");
    await scenarios(client);
    await client.close();
  });

  test("bad input gets JSON-RPC errors, registration mistakes throw", async () => {
    const server = demoServer();
    const parseError = JSON.parse(await server.handleMessage("{nope"));
    assert.equal(parseError.error.code, -32700);
    const unknown = JSON.parse(await server.handleMessage(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "no/such" })));
    assert.equal(unknown.error.code, -32601);
    assert.equal(await server.handleMessage(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })), null);
    assert.throws(() => server.tool("add", { description: "again" }, () => 1), /add/);
    assert.throws(() => server.tool("x", {}, () => 1), /description/);
    assert.throws(() => new McpServer({ name: "only-a-name" }), /version/);
  });
});

describe("edgemcp (npm, nodejs build) over Streamable HTTP", () => {
  let http;
  let url;

  before(async () => {
    http = await serveOverHttp(demoServer());
    url = `http://127.0.0.1:${http.address().port}`;
  });
  after(() => new Promise((resolve) => http.close(resolve)));

  test("the SDK client runs every scenario", () => withHttpClient(`${url}/mcp`, scenarios));

  test("progress arrives before the result", () =>
    withHttpClient(`${url}/mcp`, async (client) => {
      const seen = [];
      const result = await client.callTool({ name: "slow-count", arguments: { n: 3 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
      });
      assert.deepEqual(seen, [1, 2, 3]);
      assert.equal(result.content[0].text, "counted to 3");
    }));

  test("a foreign origin is refused and /health answers", async () => {
    const refused = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(refused.status, 403);
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
  });
});

describe("edgemcp (npm, nodejs build) with JWT access control", () => {
  let idp;
  let http;
  let base;

  /** The `auth` option holding what `jwtAuthVars` gives the other hosts as variables. */
  function authOption() {
    const vars = jwtAuthVars(base, idp);
    return {
      mode: vars.EDGEMCP_AUTH_MODE,
      issuer: vars.EDGEMCP_AUTH_ISSUER,
      audience: vars.EDGEMCP_AUTH_AUDIENCE,
      jwksUrl: vars.EDGEMCP_AUTH_JWKS_URL,
      jwksRefreshSeconds: Number(vars.EDGEMCP_AUTH_JWKS_REFRESH_SECONDS),
    };
  }

  before(async () => {
    idp = await startIdentityProvider();
    // The audience names the port, so it is chosen before the server is built.
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const server = new McpServer({ name: "node-jwt", version: "0.1.0", auth: authOption() });
    // A tiny store with the toolkit's names and scopes, so the shared matrix applies.
    const store = new Map();
    const keyed = { type: "object", properties: { key: { type: "string" }, value: { type: "string" } }, required: ["key"] };
    server.tool("kv_get", { description: "Reads a key", inputSchema: keyed, scopes: ["mcp:read"] }, ({ key }) => ({
      found: store.has(key),
      value: store.get(key) ?? null,
    }));
    server.tool("kv_put", { description: "Writes a key", inputSchema: keyed, scopes: ["mcp:write"] }, ({ key, value }) => {
      store.set(key, value);
      return "stored";
    });
    http = await serveOverHttp(server, port);
  });
  after(async () => {
    await new Promise((resolve) => http.close(resolve));
    await idp.close();
  });

  test("mistakes in the auth option throw and name the setting", () => {
    const { issuer: _, ...withoutIssuer } = authOption();
    assert.throws(() => new McpServer({ name: "x", version: "1", auth: withoutIssuer }), /EDGEMCP_AUTH_ISSUER/);
    assert.throws(() => new McpServer({ name: "x", version: "1", auth: { ...authOption(), isuer: "typo" } }), /no `isuer`/);
    assert.throws(() => new McpServer({ name: "x", version: "1", auth: { ...authOption(), jwksUrl: "http://keys.example/jwks" } }), /https/);
  });
  // Last: it rotates the provider's key and then shuts the provider down.
  test("tokens are accepted or refused, keys rotate, an unreachable JWKS fails closed", () => jwtMatrix(base, idp));
});
