// The runnable examples under examples/, built and driven by the official MCP TypeScript
// SDK client: the shop (one set of `#[edgemcp::tools]` over SqlDatabase) as a Worker on
// D1 under `wrangler dev` and natively on SQLite over HTTP and stdio, which must answer
// alike; and the JavaScript server on the npm package, under Node.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { freePort, startServer, stop, withHttpClient } from "./helpers.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dev = join(root, "scripts/dev");
const shop = join(root, "target/debug/shop");
const jsServer = join(root, "examples/js-server");
const state = mkdtempSync(join(tmpdir(), "edgemcp-examples-"));
const servers = {};

before(async () => {
  const [workerPort, nativePort, jsPort] = [await freePort(), await freePort(), await freePort()];
  servers.worker = {
    url: `http://127.0.0.1:${workerPort}/mcp`,
    child: await startServer(dev, [], {
      env: { PORT: String(workerPort), EDGEMCP_WORKER: "examples/shop", EDGEMCP_STATE_DIR: join(state, "worker") },
      healthUrl: `http://127.0.0.1:${workerPort}/health`,
      timeoutMs: 900_000,
    }),
  };
  servers.native = {
    url: `http://127.0.0.1:${nativePort}/mcp`,
    child: await startServer(shop, ["serve"], {
      env: { PORT: String(nativePort), EDGEMCP_HOST: "127.0.0.1", SHOP_DB: join(state, "shop.sqlite") },
      healthUrl: `http://127.0.0.1:${nativePort}/health`,
    }),
  };
  // The example depends on the built package through a file: link.
  const installed = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: jsServer, encoding: "utf8" });
  assert.equal(installed.status, 0, installed.stderr);
  servers.js = {
    url: `http://127.0.0.1:${jsPort}/mcp`,
    child: await startServer("node", ["server.mjs"], {
      cwd: jsServer,
      env: { PORT: String(jsPort) },
      healthUrl: `http://127.0.0.1:${jsPort}/health`,
    }),
  };
});

after(async () => {
  await Promise.all(Object.values(servers).map(({ child }) => stop(child)));
  rmSync(state, { recursive: true, force: true });
});

/** The text of a tool result's one block, parsed as JSON. */
const json = (result) => JSON.parse(result.content[0].text);

/**
 * The shop's answers to a fixed set of calls, checked as it goes; returned so that the
 * Worker's and the native server's can be compared.
 */
async function shopAnswers(client) {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((tool) => tool.name).sort(), ["customer_orders", "find_products"]);
  const find = tools.find((tool) => tool.name === "find_products");
  assert.equal(find.description, "Finds products whose name contains some text, cheapest first.");
  assert.equal(find.title, "Find products");
  assert.deepEqual(find.annotations, { readOnlyHint: true });
  assert.deepEqual(find.inputSchema.required, ["text"]);
  assert.deepEqual(find.inputSchema.properties.limit, {
    type: ["integer", "null"],
    minimum: 0,
    maximum: 255,
    description: "At most this many products, 1 to 50 (default 10).",
  });

  const cheapest = json(await client.callTool({ name: "find_products", arguments: { text: "a", limit: 3 } }));
  assert.equal(cheapest.length, 3);
  for (const product of cheapest) assert.match(product.name, /a/i);
  const prices = cheapest.map((product) => product.price_cents);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b), "cheapest first");

  const category = cheapest[0].category;
  const inCategory = json(await client.callTool({ name: "find_products", arguments: { text: "", category } }));
  assert.ok(inCategory.length >= 1);
  for (const product of inCategory) assert.equal(product.category, category);

  const orders = json(await client.callTool({ name: "customer_orders", arguments: { email: "ada.liskov40@example.com" } }));
  assert.ok(orders.length >= 1, "the sample customer has orders");
  for (const order of orders) assert.equal(typeof order.total_cents, "number");

  const nobody = await client.callTool({ name: "customer_orders", arguments: { email: "nobody@example.com" } });
  assert.equal(nobody.isError, true);
  assert.equal(nobody.content[0].text, "No customer has the email nobody@example.com.");

  // The schema allows 0..255; the tool refuses 0 as a malformed request.
  await assert.rejects(client.callTool({ name: "find_products", arguments: { text: "a", limit: 0 } }), (err) => {
    assert.equal(err.code, -32602);
    assert.match(err.message, /`limit` must be between 1 and 50, not 0\./);
    return true;
  });
  const tooMany = await client.callTool({ name: "find_products", arguments: { text: "a", limit: 300 } });
  assert.equal(tooMany.isError, true);
  assert.match(tooMany.content[0].text, /Invalid arguments for tool `find_products`/);

  return { tools, cheapest, inCategory, orders, nobody, tooMany };
}

describe("the shop, written once", () => {
  const answers = {};
  test("as a Worker on D1", async () => {
    answers.worker = await withHttpClient(servers.worker.url, shopAnswers);
  });
  test("natively on SQLite, over HTTP", async () => {
    answers.native = await withHttpClient(servers.native.url, shopAnswers);
  });
  test("natively on SQLite, over stdio", async () => {
    const client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
    await client.connect(
      new StdioClientTransport({ command: shop, args: ["stdio"], env: { ...process.env, SHOP_DB: join(state, "stdio.sqlite") }, stderr: "ignore" }),
    );
    try {
      answers.stdio = await shopAnswers(client);
    } finally {
      await client.close();
    }
  });
  test("answers alike on every host", () => {
    assert.deepEqual(answers.native, answers.worker);
    assert.deepEqual(answers.stdio, answers.native);
  });
});

test("the JavaScript server on the npm package", () =>
  withHttpClient(servers.js.url, async (client) => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name), ["add_todo", "list_todos", "complete_todo"]);
    const added = await client.callTool({ name: "add_todo", arguments: { title: "water the plants" } });
    assert.deepEqual(added.structuredContent, { id: 1 });
    await client.callTool({ name: "add_todo", arguments: { title: "post the letter" } });
    const done = await client.callTool({ name: "complete_todo", arguments: { id: 1 } });
    assert.equal(done.content[0].text, "Done: water the plants");
    const open = await client.callTool({ name: "list_todos", arguments: {} });
    assert.equal(open.content[0].text, "2. [ ] post the letter");
    const missing = await client.callTool({ name: "complete_todo", arguments: { id: 9 } });
    assert.equal(missing.isError, true);
    assert.equal(missing.content[0].text, "No to-do item 9; list them first.");
    const invalid = await client.callTool({ name: "add_todo", arguments: { title: "" } });
    assert.equal(invalid.isError, true);
  }));
