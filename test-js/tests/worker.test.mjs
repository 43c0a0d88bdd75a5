// The Worker under `wrangler dev` (workerd with local KV, D1 and R2), driven by the
// official MCP TypeScript SDK client over Streamable HTTP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

test("kv and blob data survive a restart of wrangler dev", async () => {
  await withClient((c) => scenarios.writeForRestart(c, "restart"));
  await stop(worker);
  worker = await startWorker();
  await withClient((c) => scenarios.readAfterRestart(c, "restart"));
});
