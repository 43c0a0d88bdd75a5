// Tasks on the native host, driven by the official MCP TypeScript SDK client (2025-11-25
// tasks): `sql_export` runs as a task on one `edgemcp serve`, is read through a second one
// on the same data folder, survives neither a cancel nor a `kill -9` as `working`, and
// stays its caller's.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { CallToolResultSchema, CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { freePort, startServer, stop, withHttpClient } from "./helpers.mjs";

const binary = fileURLToPath(new URL("../../target/debug/edgemcp", import.meta.url));
const migrations = fileURLToPath(new URL("../../migrations", import.meta.url));

const aliceKey = "alice-key-0123456789abcdef0123456789";
const bobKey = "bob-key-0123456789abcdef0123456789ab";
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

// Seconds of SQLite work: counting to `n` with a recursive CTE.
const counting = (n) =>
  `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n}) SELECT count(*) AS counted FROM n`;

describe("tasks on edgemcp serve", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-tasks-"));
  const instances = {};
  const start = async (name) => {
    const port = instances[name]?.port ?? (await freePort());
    const base = `http://127.0.0.1:${port}`;
    const child = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        EDGEMCP_AUTH_MODE: "api_key",
        EDGEMCP_AUTH_API_KEYS: `${sha256(aliceKey)},${sha256(bobKey)}`,
        EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
        // A short lease, so a killed instance's task is failed within seconds.
        EDGEMCP_TASK_LEASE_SECONDS: "2",
        EDGEMCP_TASK_POLL_MS: "100",
      },
      healthUrl: `${base}/health`,
    });
    instances[name] = { port, base, child };
    return instances[name];
  };
  const as = (name, key, fn) =>
    withHttpClient(`${instances[name].base}/mcp`, fn, { headers: { authorization: `Bearer ${key}` } });

  /** Starts a task of `tool` and returns its id. */
  const startTask = async (client, name, args, task = { ttl: 60_000 }) => {
    const created = await client.request(
      { method: "tools/call", params: { name, arguments: args, task } },
      CreateTaskResultSchema,
      { task },
    );
    // A call that ends within a moment is a task that is already over.
    assert.ok(["working", "completed"].includes(created.task.status), JSON.stringify(created));
    return created.task.taskId;
  };

  const settle = async (client, taskId, ms = 20_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const task = await client.experimental.tasks.getTask(taskId);
      if (task.status !== "working") return task;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still working after ${ms} ms`);
      await sleep(100);
    }
  };

  before(async () => {
    await start("a");
    await start("b");
  });
  after(async () => {
    for (const { child } of Object.values(instances)) await stop(child);
    rmSync(data, { recursive: true, force: true });
  });

  test("sql_export declares its task support, and the server its task capability", () =>
    as("a", aliceKey, async (client) => {
      const { tools } = await client.listTools();
      const exportTool = tools.find((t) => t.name === "sql_export");
      assert.equal(exportTool.execution.taskSupport, "optional");
      assert.equal(tools.find((t) => t.name === "sql_query").execution.taskSupport, "forbidden");
      const caps = client.getServerCapabilities();
      assert.deepEqual(caps.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
    }));

  test("a slow export is polled to completion and its object is in the store", () =>
    as("a", aliceKey, async (client) => {
      const seen = [];
      const statuses = [];
      let result;
      const stream = client.experimental.tasks.callToolStream(
        { name: "sql_export", arguments: { query: counting(3_000_000), format: "jsonl", key: "exports/count.jsonl" } },
        CallToolResultSchema,
        { task: { ttl: 60_000 } },
      );
      for await (const message of stream) {
        seen.push(message.type);
        if (message.type === "taskStatus") statuses.push(message.task.status);
        if (message.type === "result") result = message.result;
        if (message.type === "error") throw message.error;
      }
      assert.equal(seen[0], "taskCreated", seen.join(" "));
      assert.equal(statuses[0], "working", "the export outlasted its request");
      assert.equal(statuses.at(-1), "completed", statuses.join(" "));
      assert.deepEqual(result.structuredContent, {
        key: "exports/count.jsonl",
        bytes: 20,
        rows: 1,
        format: "jsonl",
        content_type: "application/jsonl",
      });
      const object = await client.callTool({ name: "blob_get", arguments: { key: "exports/count.jsonl" } });
      assert.equal(object.content[0].resource.text, '{"counted":3000000}\n');
    }));

  test("a task started on one instance is read, listed and answered through another", async () => {
    const taskId = await as("a", aliceKey, (client) =>
      startTask(client, "sql_export", { query: counting(1_000_000), format: "csv", key: "exports/shared.csv" }),
    );
    await as("b", aliceKey, async (client) => {
      const { tasks } = await client.experimental.tasks.listTasks();
      assert.ok(tasks.some((t) => t.taskId === taskId), JSON.stringify(tasks));
      // tasks/result waits on instance b for the work instance a runs.
      const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      assert.equal(result.structuredContent.rows, 1, JSON.stringify(result));
      assert.equal(result._meta["io.modelcontextprotocol/related-task"].taskId, taskId);
      assert.equal((await client.experimental.tasks.getTask(taskId)).status, "completed");
    });
  });

  test("a cancelled export never writes its object", () =>
    as("a", aliceKey, async (client) => {
      const key = "exports/cancelled.csv";
      const taskId = await startTask(client, "sql_export", { query: counting(30_000_000), format: "csv", key });
      await sleep(300);
      const cancelled = await client.experimental.tasks.cancelTask(taskId);
      assert.equal(cancelled.status, "cancelled");
      await sleep(2_000);
      assert.equal((await client.experimental.tasks.getTask(taskId)).status, "cancelled", "cancellation is sticky");
      const head = await client.callTool({ name: "blob_head", arguments: { key } });
      assert.equal(head.structuredContent.found, false, `the object must not exist: ${JSON.stringify(head)}`);
      await assert.rejects(client.experimental.tasks.cancelTask(taskId), /terminal status 'cancelled'/);
    }));

  test("another caller can neither read, list nor cancel a task", async () => {
    const taskId = await as("a", aliceKey, (client) =>
      startTask(client, "sql_export", { query: "SELECT 1 AS one", format: "csv", key: "exports/alice.csv" }),
    );
    await as("b", bobKey, async (client) => {
      await assert.rejects(client.experimental.tasks.getTask(taskId), /not found/i);
      await assert.rejects(client.experimental.tasks.cancelTask(taskId), /not found/i);
      await assert.rejects(client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema), /not found/i);
      const { tasks } = await client.experimental.tasks.listTasks();
      assert.ok(!tasks.some((t) => t.taskId === taskId), JSON.stringify(tasks));
    });
    await as("a", aliceKey, async (client) => {
      assert.equal((await settle(client, taskId)).status, "completed");
    });
  });

  test("a task's time to live is honoured", () =>
    as("a", aliceKey, async (client) => {
      const taskId = await startTask(client, "sql_export", { query: "SELECT 1 AS one", format: "csv", key: "exports/brief.csv" }, { ttl: 1_500 });
      const task = await settle(client, taskId);
      assert.equal(task.ttl, 1_500);
      assert.equal(task.status, "completed");
      await sleep(2_000);
      await assert.rejects(client.experimental.tasks.getTask(taskId), /expired/);
    }));

  test("kill -9 mid-task: after the restart the task is failed, not lost and not working", async () => {
    const victim = await start("victim");
    const taskId = await as("victim", aliceKey, (client) =>
      startTask(client, "sql_export", { query: counting(100_000_000), format: "csv", key: "exports/killed.csv" }),
    );
    const exited = new Promise((resolve) => victim.child.once("exit", resolve));
    victim.child.kill("SIGKILL");
    await exited;
    await start("victim");
    await as("victim", aliceKey, async (client) => {
      const task = await settle(client, taskId, 10_000);
      assert.equal(task.status, "failed", JSON.stringify(task));
      assert.match(task.statusMessage, /stopped before it finished/);
      await assert.rejects(client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema), /stopped before it finished/);
      const head = await client.callTool({ name: "blob_head", arguments: { key: "exports/killed.csv" } });
      assert.equal(head.structuredContent.found, false, "the killed export wrote nothing");
    });
  });
});
