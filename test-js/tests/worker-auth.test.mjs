// The Worker under `wrangler dev` with API-key access control (vars passed with `--var`),
// driven by the official MCP TypeScript SDK client and raw requests for the challenges.
import { test, before, after } from "node:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startServer, stop, withHttpClient } from "./helpers.mjs";
import * as scenarios from "./toolkit-scenarios.mjs";

const dev = fileURLToPath(new URL("../../scripts/dev", import.meta.url));
const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-auth-"));
const key = "worker-test-key";
let base;
let worker;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const vars = {
    EDGEMCP_AUTH_MODE: "api_key",
    EDGEMCP_AUTH_API_KEYS: createHash("sha256").update(key).digest("hex"),
    EDGEMCP_AUTH_API_KEY_SCOPES: "mcp:read",
    EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
  };
  const args = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  worker = await startServer(dev, args, {
    env: { PORT: String(port), EDGEMCP_STATE_DIR: state, EDGEMCP_SKIP_WORKER_BUILD: "1" },
    healthUrl: `${base}/health`,
    timeoutMs: 600_000,
  });
});

after(async () => {
  await stop(worker);
  rmSync(state, { recursive: true, force: true });
});

test("a read-only key lists and calls only the read tools", () =>
  withHttpClient(`${base}/mcp`, scenarios.readOnlyKeySeesReadTools, { headers: { authorization: `Bearer ${key}` } }));
test("no key, a wrong key and a missing scope get their challenges", () => scenarios.accessChallenges(base, key));
