// The Worker under `wrangler dev` with a Rate Limiting binding declared
// (test-js/wrangler-rate-limit.toml: three requests per ten seconds, which miniflare
// enforces): a burst gets 429s with `Retry-After`, and requests succeed again once the
// period has passed.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startDevWorker, stop } from "./helpers.mjs";

const config = fileURLToPath(new URL("../wrangler-rate-limit.toml", import.meta.url));

describe("the Worker with a Rate Limiting binding", () => {
  const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-rate-limit-"));
  let base;
  let worker;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    worker = await startDevWorker(port, state, { args: ["--config", config] });
  });

  after(async () => {
    await stop(worker);
    rmSync(state, { recursive: true, force: true });
  });

  async function list(id) {
    const response = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" }),
    });
    return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
  }

  test("a burst over the binding's limit gets 429s with Retry-After, then succeeds after the period", async () => {
    const burst = [];
    for (let id = 1; id <= 8; id++) burst.push(await list(id));
    assert.equal(burst[0].status, 200, "the first request of a quiet caller is served");
    const limited = burst.filter((r) => r.status === 429);
    assert.ok(limited.length >= 1, `8 requests over a limit of 3: ${burst.map((r) => r.status)}`);
    assert.ok(burst.every((r) => r.status === 200 || r.status === 429), `${burst.map((r) => r.status)}`);
    for (const refused of limited) {
      assert.equal(refused.retryAfter, "10", "the binding's period");
      assert.equal(refused.body.error.code, -32029);
      assert.equal(refused.body.error.data.retryAfterSeconds, 10);
      assert.match(refused.body.error.message, /retry in 10 s/);
    }
    // The binding's window passes; the caller is served again.
    let again;
    const deadline = Date.now() + 30_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      again = await list(100);
    } while (again.status === 429 && Date.now() < deadline);
    assert.equal(again.status, 200);
    assert.ok(Array.isArray(again.body.result.tools));
  });
});
