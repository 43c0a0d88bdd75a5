// The npm package `edgemcp` (bindings/pkg/nodejs, built by scripts/build-bindings) in
// Node, driven by the official MCP TypeScript SDK client: over `handleMessage` through an
// in-process transport, and over Streamable HTTP through `handle` behind node:http.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { freePort, withHttpClient } from "./helpers.mjs";
import { startIdentityProvider } from "./identity-provider.mjs";
import { jwtAuthVars, jwtMatrix } from "./jwt-scenarios.mjs";
import { keySubject, scriptedSession } from "./log-scenarios.mjs";
import * as toolkitScenarios from "./toolkit-scenarios.mjs";

const require = createRequire(import.meta.url);
const { McpServer } = require("../../bindings/pkg/nodejs/edgemcp.js");

/**
 * A server with JS tools, a resource template, a binary resource and a prompt; its log
 * events are pushed onto `logs`.
 */
function demoServer(logs = []) {
  const server = new McpServer({ name: "node-demo", version: "0.1.0", instructions: "Try `add`.", logger: (event) => logs.push(event) });
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
  server.tool("refuses", { description: "Refuses with a message for the user" }, () => {
    throw Object.assign(new Error("order 7 does not exist; list the orders first"), { expose: true });
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

/** The correlation id in a generic failure message; fails when there is none. */
function correlationId(text) {
  const id = /correlation id:? ([0-9a-f]{16})/.exec(text)?.[1];
  assert.ok(id, `a correlation id in ${text}`);
  return id;
}

/** Runs the same checks over any connected client of `demoServer(logs)`. */
async function scenarios(client, logs) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ["add", "fails", "refuses", "rejects", "slow-count"]);
  assert.equal(tools.find((t) => t.name === "add").annotations.readOnlyHint, true);

  const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
  assert.deepEqual(sum.structuredContent, { sum: 42 });

  // A throw is internal: the client gets a correlation id, the logger the message.
  for (const [name, detail] of [["fails", "database is down"], ["rejects", "out of range"]]) {
    const failed = await client.callTool({ name, arguments: {} });
    assert.equal(failed.isError, true);
    const text = failed.content[0].text;
    assert.ok(!text.includes(detail), `${name}: the detail stays in the log: ${text}`);
    const id = correlationId(text);
    const event = logs.find((e) => e.correlation_id === id);
    assert.ok(event, `${name}: a log event for ${id} in ${JSON.stringify(logs)}`);
    assert.equal(event.level, "error");
    assert.match(event.error, new RegExp(detail));
  }
  // An error marked `expose` is written for the user and passes.
  const refused = await client.callTool({ name: "refuses", arguments: {} });
  assert.equal(refused.isError, true);
  assert.equal(refused.content[0].text, "order 7 does not exist; list the orders first");
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
    const logs = [];
    await client.connect(new HandleMessageTransport(demoServer(logs)));
    assert.equal(client.getServerVersion().name, "node-demo");
    assert.equal(client.getInstructions(), "Try `add`.");
    await scenarios(client, logs);
    await client.close();
  });

  test("a call the SDK client aborts gets no answer, and its handler stops before its side effect", async () => {
    const server = demoServer();
    const writes = [];
    const stopped = [];
    server.tool("slow-write", { description: "Waits, then writes" }, async ({ ms }, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (ctx.cancelled) {
        stopped.push(ms);
        return "stopped";
      }
      writes.push(ms);
      return "written";
    });
    const client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
    await client.connect(new HandleMessageTransport(server));
    const controller = new AbortController();
    const call = client.callTool({ name: "slow-write", arguments: { ms: 300 } }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("the user pressed stop")), 50);
    await assert.rejects(call, /the user pressed stop/);
    // A call that is not cancelled still runs and is answered.
    const other = await client.callTool({ name: "slow-write", arguments: { ms: 10 } });
    assert.equal(other.content[0].text, "written");
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(writes, [10], "the cancelled call never wrote");
    assert.deepEqual(stopped, [300], "its handler saw ctx.cancelled");
    await client.close();

    // The raw channel: the cancelled request's promise resolves to null (no response).
    const raw = demoServer();
    raw.tool("slow", { description: "Waits" }, () => new Promise((resolve) => setTimeout(() => resolve("late"), 200)));
    const pending = raw.handleMessage(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "slow", arguments: {} } }));
    assert.equal(await raw.handleMessage(JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5 } })), null);
    assert.equal(await pending, null);
  });

  test("no timer outlives its message: a Node script that handles a call exits on its own", async () => {
    // Every message races its deadline (60 s) and every tool call its time limit (30 s);
    // a timer left pending would keep this process alive until it fired.
    const script = `
      const { McpServer } = require(${JSON.stringify(require.resolve("../../bindings/pkg/nodejs/edgemcp.js"))});
      const server = new McpServer({ name: "exit", version: "1.0.0" });
      server.tool("echo", { description: "Echoes" }, ({ text }) => text);
      server.handleMessage(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "hi" } } }))
        .then((reply) => console.log(JSON.parse(reply).result.content[0].text));
    `;
    const { stdout } = await new Promise((resolve, reject) =>
      execFile(process.execPath, ["-e", script], { timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`the script did not exit by itself (${error.signal ?? error.code}): ${stderr}`)) : resolve({ stdout }),
      ),
    );
    // The request log (info on the console) comes first; the answer is the last line.
    assert.equal(stdout.trim().split("\n").at(-1), "hi");
  });

  test("a workflow declared in JavaScript chains the tools, and a mistake in it throws", async () => {
    const server = new McpServer({ name: "wf", version: "1.0.0" });
    server.tool(
      "lookup",
      {
        description: "A customer",
        inputSchema: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] },
        outputSchema: { type: "object", properties: { city: { type: "string" }, visits: { type: "array", items: { type: "object", properties: { place: { type: "string" } } } } } },
      },
      ({ id }) => ({ city: id === 7 ? "Lisbon" : "Oslo", visits: [{ place: "Porto" }, { place: "Faro" }] }),
    );
    server.tool(
      "weather",
      { description: "A forecast", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      ({ city }) => `sun in ${city}`,
    );
    server.workflow("trip", {
      description: "A customer's city and its weather",
      arguments: [{ name: "who", required: true }],
      steps: [
        { name: "customer", tool: "lookup", args: { id: { constant: 7 } } },
        { name: "here", tool: "weather", args: { city: { output: "customer", path: "city" } } },
        { name: "there", tool: "weather", forEach: { output: "customer", path: "visits" }, args: { city: { item: "place" } } },
        { name: "book", tool: "weather", handoff: "if the user wants to travel", args: { city: { template: "{c}!", values: { c: { argument: "who" } } } } },
      ],
      instruction: "Plan the trip.",
    });
    const client = new Client({ name: "wf-test", version: "1" });
    await client.connect(new HandleMessageTransport(server));
    const { prompts } = await client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ["trip"]);
    const { messages } = await client.getPrompt({ name: "trip", arguments: { who: "Ada" } });
    const texts = messages.map((m) => m.content.text ?? "").join("\n");
    assert.match(texts, /sun in Lisbon/);
    assert.match(texts, /Step `there` \(weather\) for element 2:\nsun in Faro/);
    assert.match(texts, /Next, call the tool `weather` yourself with the arguments \{"city":"Ada!"\}: if the user wants to travel/);
    assert.equal(messages.at(-1).content.text, "Plan the trip.");
    await client.close();
    assert.throws(
      () => server.workflow("bad", { description: "d", steps: [{ name: "s", tool: "weather", args: { city: { output: "s0", path: "x" } } }] }),
      /Workflow `bad`, step `s`: reads step `s0`, which the workflow does not have/,
    );
    assert.throws(() => server.workflow("bad2", { description: "d", steps: [{ name: "s", tool: "weather", args: { city: { nope: 1 } } }] }), /args\.city: it names no source/);
    assert.throws(() => server.workflow("bad4", { description: "d", steps: [{ name: "s", tool: "weather", args: { city: { constant: "x", item: "y" } } }] }), /args\.city: `item` does not belong here/);
    assert.throws(() => server.workflow("bad3", { description: "d", steps: [{ name: "s", tool: "nope" }] }), /not a registered tool/);
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

  const logs = [];

  before(async () => {
    http = await serveOverHttp(demoServer(logs));
    url = `http://127.0.0.1:${http.address().port}`;
  });
  after(() => new Promise((resolve) => http.close(resolve)));

  test("the SDK client runs every scenario", () => withHttpClient(`${url}/mcp`, (client) => scenarios(client, logs)));

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
  let server;

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
    server = new McpServer({ name: "node-jwt", version: "0.1.0", auth: authOption() });
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
  test("tokens are accepted or refused, keys rotate, an unreachable JWKS fails closed, over HTTP and handleMessage alike", () =>
    jwtMatrix(base, idp, server));
});

describe("edgemcp (npm, nodejs build) with API keys", () => {
  const key = "npm-test-key";
  const logs = [];
  let http;
  let base;
  let server;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = new McpServer({
      name: "node-keys",
      version: "0.1.0",
      auth: { mode: "api_key", audience: `${base}/mcp`, apiKeys: createHash("sha256").update(key).digest("hex"), apiKeyScopes: "mcp:read" },
      logger: (event) => logs.push(event),
    });
    const keyed = { type: "object", properties: { key: { type: "string" }, value: { type: "string" } }, required: ["key"] };
    server.tool("kv_get", { description: "Reads a key", inputSchema: keyed, scopes: ["mcp:read"] }, ({ key }) => `read ${key}`);
    server.tool("kv_put", { description: "Writes a key", inputSchema: keyed, scopes: ["mcp:write"] }, () => "stored");
    server.tool("kv_list", { description: "Fails", scopes: ["mcp:read"] }, () => {
      throw new Error(`the store refused ${key.length} bytes`);
    });
    http = await serveOverHttp(server, port);
  });
  after(() => new Promise((resolve) => http.close(resolve)));

  test("no key, a wrong key, a missing scope and a good key: the same outcome over HTTP and handleMessage", () =>
    toolkitScenarios.accessChallenges(base, key, server));
  test("the request log reaches the logger option, one event per message, field by field", () =>
    scriptedSession({
      url: `${base}/mcp`,
      key,
      subject: keySubject(key),
      output: () => logs.map((event) => JSON.stringify(event)).join("\n"),
    }));

  test("handleMessage without a token is refused like HTTP without one, and a token must be a string", async () => {
    const call = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "kv_get", arguments: { key: "a" } } });
    const refused = JSON.parse(await server.handleMessage(call));
    assert.equal(refused.id, 7);
    assert.equal(refused.error.code, -32600);
    assert.match(refused.error.message, /Authorization: Bearer/);
    const allowed = JSON.parse(await server.handleMessage(call, { token: key }));
    assert.equal(allowed.result.content[0].text, "read a");
    await assert.rejects(server.handleMessage(call, { token: 42 }), /token must be a string/);
    // A failure is logged; the key it came with is not.
    const failing = JSON.stringify({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "kv_list", arguments: {} } });
    assert.equal(JSON.parse(await server.handleMessage(failing, { token: key })).result.isError, true);
    assert.ok(logs.some((e) => e.level === "error" && /store refused/.test(e.error)), JSON.stringify(logs));
    assert.ok(!JSON.stringify(logs).includes(key), "the key appears in the logs");
  });
});

describe("edgemcp (npm, nodejs build) with the toolkits over wrangler's local D1, KV and R2", () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  let state;
  let proxy;
  let http;
  let url;

  before(async () => {
    state = await mkdtemp(join(tmpdir(), "edgemcp-npm-toolkits-"));
    // The sample store, applied by wrangler's own migration runner, as for the Worker.
    const wrangler = join(root, "test-js/node_modules/.bin/wrangler");
    await promisify(execFile)(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
      cwd: root,
      env: { ...process.env, CI: "1" },
    });
    const { getPlatformProxy } = await import("wrangler");
    proxy = await getPlatformProxy({ configPath: join(root, "wrangler.toml"), persist: { path: join(state, "v3") } });
    const server = new McpServer({ name: "npm-toolkits", version: "0.1.0", toolkits: proxy.env });
    http = await serveOverHttp(server);
    url = `http://127.0.0.1:${http.address().port}/mcp`;
  });
  after(async () => {
    await new Promise((resolve) => http?.close(resolve));
    await proxy?.dispose();
    if (state) await rm(state, { recursive: true, force: true });
  });

  const withClient = (fn) => withHttpClient(url, fn);
  // The same checks the Worker under wrangler dev passes, over the same kind of bindings.
  test("lists every toolkit tool with honest annotations", () => withClient(toolkitScenarios.listsEveryTool));
  test("/ready: every store answers", () => toolkitScenarios.readyReportsEveryStore(url.replace(/\/mcp$/, "")));
  test("sql reads the sample store", () => withClient(toolkitScenarios.sqlReadsTheSampleStore));
  test("sql caps rows and pages with cursors", () => withClient(toolkitScenarios.sqlCapsRowsAndPages));
  test("sql refuses everything but one read", () => withClient(toolkitScenarios.sqlRefusesWhatIsNotOneRead));
  test("sql schema resources", () => withClient(toolkitScenarios.sqlSchemaResources));
  test("sql holds the statement corpus on D1", () => withClient(toolkitScenarios.sqlHoldsTheCorpus));
  test("kv round trip", () => withClient((c) => toolkitScenarios.kvRoundTrip(c, "npm")));
  test("blob round trip", () => withClient((c) => toolkitScenarios.blobRoundTrip(c, "npm")));
  test("the toolkits' workflows gather the real data", () =>
    withClient((client) => toolkitScenarios.workflowsGatherTheRealData(client, "npm")));

  test("the toolkits option is checked: no binding, or a setting that cannot be read, throws", () => {
    assert.throws(() => new McpServer({ name: "n", version: "1", toolkits: {} }), /none of the bindings DB/);
    assert.throws(() => new McpServer({ name: "n", version: "1", toolkits: "env" }), /must be an object/);
    assert.throws(
      () => new McpServer({ name: "n", version: "1", toolkits: { ...proxy.env, EDGEMCP_SQL_MAX_ROWS: "lots" } }),
      /EDGEMCP_SQL_MAX_ROWS/,
    );
    const numbers = new McpServer({ name: "n", version: "1", toolkits: { DB: proxy.env.DB, EDGEMCP_SQL_MAX_ROWS: 2 } });
    assert.ok(numbers, "a number setting is read as its text");
  });
});
