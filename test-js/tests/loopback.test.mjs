// The official MCP TypeScript SDK client against the loopback example server
// (`cargo run -p example-loopback`), over Streamable HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { freePort, startServer, stop } from "./helpers.mjs";

const binary = fileURLToPath(new URL("../../target/debug/example-loopback", import.meta.url));
let server;
let url;

before(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = await startServer(binary, [], { env: { PORT: String(port) }, healthUrl: `${url}/health` });
});

after(async () => stop(server));

async function connect() {
  const client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

test("initialize negotiates and lists everything", async () => {
  const client = await connect();
  assert.equal(client.getServerVersion().name, "edgemcp-demo");
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ["add", "wait"]);
  const add = tools[0];
  assert.equal(add.inputSchema.type, "object");
  assert.equal(add.outputSchema.properties.sum.type, "integer");
  assert.equal(add.annotations.readOnlyHint, true);
  const { resources } = await client.listResources();
  assert.equal(resources[0].uri, "demo://about");
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.equal(resourceTemplates[0].uriTemplate, "colors://{name}");
  const { prompts } = await client.listPrompts();
  assert.equal(prompts[0].name, "poem");
  await client.close();
});

test("typed tool call returns structured content the SDK validates", async () => {
  const client = await connect();
  const result = await client.callTool({ name: "add", arguments: { a: 2, b: 40 } });
  assert.deepEqual(result.structuredContent, { sum: 42 });
  assert.equal(result.isError, undefined);
  await client.close();
});

test("invalid arguments come back as an isError result naming the field", async () => {
  const client = await connect();
  const result = await client.callTool({ name: "add", arguments: { a: "two", b: 1 } });
  assert.equal(result.isError, true);
  assert.match(result.content[0].text, /argument `a`: expected integer, received string "two"/);
  await client.close();
});

test("unknown tool is a protocol error", async () => {
  const client = await connect();
  await assert.rejects(client.callTool({ name: "nope", arguments: {} }), /Unknown tool: nope/);
  await client.close();
});

test("progress notifications stream while a tool runs", async () => {
  const client = await connect();
  const seen = [];
  const result = await client.callTool({ name: "wait", arguments: { seconds: 2 } }, undefined, {
    onprogress: (p) => seen.push(p.progress),
  });
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(result.structuredContent, { waited: 2 });
  await client.close();
});

test("resources, templates, prompts and completions", async () => {
  const client = await connect();
  const about = await client.readResource({ uri: "demo://about" });
  assert.equal(about.contents[0].text, "This is the edgemcp demo server.");
  const blue = await client.readResource({ uri: "colors://blue" });
  assert.match(blue.contents[0].text, /blue is a color/);
  await assert.rejects(client.readResource({ uri: "colors://plaid" }), /Resource not found/);
  const poem = await client.getPrompt({ name: "poem", arguments: { color: "red" } });
  assert.match(poem.messages[0].content.text, /color red/);
  await assert.rejects(client.getPrompt({ name: "poem", arguments: {} }), /needs the argument `color`/);
  const done = await client.complete({ ref: { type: "ref/prompt", name: "poem" }, argument: { name: "color", value: "b" } });
  assert.deepEqual(done.completion.values, ["blue"]);
  await client.close();
});
