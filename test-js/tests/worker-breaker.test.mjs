// The Worker's circuit breaker around D1, under `wrangler dev`, against a real outage: the
// local D1 database file is held under an exclusive SQLite lock by another process, so
// every query fails as the database would when it is busy. Two failures open the breaker,
// calls then fail fast naming the store, and after the cool-down one trial closes it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, postToolCall, startDevWorker, stop } from "./helpers.mjs";

const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-breaker-"));
const COOL_DOWN_S = 3;
let base;
let worker;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const vars = { EDGEMCP_BREAKER_FAILURES: "2", EDGEMCP_BREAKER_COOL_DOWN_SECONDS: String(COOL_DOWN_S) };
  worker = await startDevWorker(port, state, { vars });
});

after(async () => {
  await stop(worker);
  rmSync(state, { recursive: true, force: true });
});

/** Calls sql_query over plain HTTP; the text of its result. */
async function countCustomers() {
  const res = await postToolCall(base, "sql_query", { query: "SELECT count(*) AS n FROM customers" });
  assert.equal(res.status, 200);
  const { result } = await res.json();
  return { text: result.content[0].text, isError: result.isError === true, rows: result.structuredContent?.rows };
}

/** The local D1 database file wrangler dev keeps under its state folder. */
function d1File() {
  const dir = join(state, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  assert.ok(file, `a D1 database file in ${dir}`);
  return join(dir, file);
}

/** Holds an exclusive lock on `file` until the returned function is called. */
async function lock(file) {
  const script = [
    "import sqlite3, sys",
    "db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=20)",
    "db.execute('PRAGMA locking_mode=EXCLUSIVE')",
    "db.execute('BEGIN EXCLUSIVE')",
    "print('locked', flush=True)",
    "sys.stdin.read()",
    "db.execute('ROLLBACK')",
  ].join("\n");
  const child = spawn("python3", ["-c", script, file], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => chunk.toString().includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`the lock holder exited with ${code}`)));
  });
  return async () => {
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.stdin.end();
    await exited;
  };
}

test("a D1 outage opens the sql breaker, calls fail fast naming it, and one trial closes it", async () => {
  const healthy = await countCustomers();
  assert.equal(healthy.isError, false, healthy.text);
  assert.equal(healthy.rows[0][0], 50);

  const release = await lock(d1File());
  try {
    for (let n = 0; n < 2; n++) {
      const failed = await countCustomers();
      assert.equal(failed.isError, true);
      assert.match(failed.text, /unavailable for now.*try again shortly/, failed.text);
    }
    const paused = await countCustomers();
    assert.equal(paused.isError, true);
    assert.match(paused.text, /The sql store is failing, so calls to it are paused; retry in \d+ s\./, paused.text);
    // /ready names the store that is down and shows its breaker open.
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 503);
    const report = await ready.json();
    assert.equal(report.status, "unavailable");
    assert.equal(report.stores.sql, "down");
    assert.equal(report.stores.kv, "ok");
    assert.equal(report.breakers.sql, "open");
  } finally {
    await release();
  }
  // The database is back, but the breaker still rests until its cool-down ends.
  const resting = await countCustomers();
  assert.match(resting.text, /paused/, resting.text);
  await sleep(COOL_DOWN_S * 1000 + 500);
  const trial = await countCustomers();
  assert.equal(trial.isError, false, trial.text);
  assert.equal(trial.rows[0][0], 50);
  // The breaker's opening was logged on the console, with the store's name.
  assert.match(worker.output(), /circuit breaker[^\n]*"store":"sql"/);
});
