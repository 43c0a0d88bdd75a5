// The Worker under `wrangler dev` (workerd with local KV, D1 and R2), driven by the
// official MCP TypeScript SDK client over Streamable HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CallToolResultSchema, CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { freePort, startServer, stop, withHttpClient } from "./helpers.mjs";
import * as scenarios from "./toolkit-scenarios.mjs";

const dev = fileURLToPath(new URL("../../scripts/dev", import.meta.url));
const edgemcp = fileURLToPath(new URL("../../target/debug/edgemcp", import.meta.url));
const shippedScenarios = fileURLToPath(new URL("../../scenarios", import.meta.url));
const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-"));
let port;
let worker;

async function startWorker() {
  return startServer(dev, [], {
    env: { PORT: String(port), EDGEMCP_STATE_DIR: state },
    healthUrl: `http://127.0.0.1:${port}/health`,
    timeoutMs: 600_000,
  });
}

const withClient = (fn) => withHttpClient(`http://127.0.0.1:${port}/mcp`, fn);

before(async () => {
  port = await freePort();
  worker = await startWorker();
});

after(async () => {
  await stop(worker);
  rmSync(state, { recursive: true, force: true });
});

test("lists every toolkit tool with honest annotations", () => withClient(scenarios.listsEveryTool));
test("every schema passes a strict JSON Schema 2020-12 validator", () => withClient(scenarios.schemasPassAStrictValidator));
test("/ready: every store answers", () => scenarios.readyReportsEveryStore(`http://127.0.0.1:${port}`));
test("sql reads the sample store", () => withClient(scenarios.sqlReadsTheSampleStore));
test("sql caps rows and pages with cursors", () => withClient(scenarios.sqlCapsRowsAndPages));
test("sql refuses everything but one read", () => withClient(scenarios.sqlRefusesWhatIsNotOneRead));
test("sql schema resources", () => withClient(scenarios.sqlSchemaResources));
test("sql holds the statement corpus on D1", () => withClient(scenarios.sqlHoldsTheCorpus));
test("sql bounds results in bytes on D1", () => withClient(scenarios.sqlBoundsResultsInBytes));
test("kv round trip", () => withClient((c) => scenarios.kvRoundTrip(c, "worker")));
test("the toolkits' workflows gather the real data", () => withClient((c) => scenarios.workflowsGatherTheRealData(c, "worker")));
test("kv refuses bad input", () => withClient((c) => scenarios.kvRefusesBadInput(c, { minTtl: 60 })));
test("blob round trip", () => withClient((c) => scenarios.blobRoundTrip(c, "worker")));
test("blob refuses bad keys and sizes", () => withClient(scenarios.blobRefusesBadKeysAndSizes));

test("the shipped scenarios pass (edgemcp test against wrangler dev)", () => {
  const run = spawnSync(edgemcp, ["test", shippedScenarios, "--url", `http://127.0.0.1:${port}/mcp`], {
    encoding: "utf8",
    env: { ...process.env, EDGEMCP_SCENARIO_RUN: "worker" },
  });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /scenarios, \d+ steps: \d+ passed \(/);
});

// Seconds of D1 work: counting to `n` with a recursive CTE.
const counting = (n) =>
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n}) SELECT count(*) AS counted FROM n`;

/** Starts `sql_export` with `args` as a 2025-11-25 task; its id. */
async function startExport(client, args) {
  const task = { ttl: 600_000 };
  const created = await client.request(
    { method: "tools/call", params: { name: "sql_export", arguments: args, task } },
    CreateTaskResultSchema,
    { task },
  );
  return created.task.taskId;
}

test("sql_export runs as a task in the Durable Object, polled to completion", () =>
  withClient(async (client) => {
    assert.ok(client.getServerCapabilities().tasks.requests.tools.call, "the Worker offers tasks");
    const statuses = [];
    let result;
    const stream = client.experimental.tasks.callToolStream(
      { name: "sql_export", arguments: { query: counting(2_000_000), format: "csv", key: "exports/count.csv" } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    for await (const message of stream) {
      if (message.type === "taskStatus") statuses.push(message.task.status);
      if (message.type === "result") result = message.result;
      if (message.type === "error") throw message.error;
    }
    assert.equal(statuses.at(-1), "completed", statuses.join(" "));
    assert.equal(result.structuredContent.rows, 1, JSON.stringify(result));
    const object = await client.callTool({ name: "blob_get", arguments: { key: "exports/count.csv" } });
    assert.equal(object.content[0].resource.text, "counted\r\n2000000\r\n");
  }));

test("kv and blob data and tasks survive a restart of wrangler dev", async () => {
  await withClient((c) => scenarios.writeForRestart(c, "restart"));
  const taskId = await withClient(async (client) => {
    const id = await startExport(client, { query: "SELECT name FROM customers ORDER BY id LIMIT 2", format: "jsonl", key: "exports/two.jsonl" });
    // Finished before the isolate that took it goes away.
    await client.experimental.tasks.getTaskResult(id, CallToolResultSchema);
    return id;
  });
  await stop(worker);
  worker = await startWorker();
  await withClient((c) => scenarios.readAfterRestart(c, "restart"));
  await withClient(async (client) => {
    const task = await client.experimental.tasks.getTask(taskId);
    assert.equal(task.status, "completed", JSON.stringify(task));
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    assert.equal(result.structuredContent.rows, 2, JSON.stringify(result));
    assert.equal(result._meta["io.modelcontextprotocol/related-task"].taskId, taskId);
  });
});
