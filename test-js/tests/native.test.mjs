// The native binary (`edgemcp serve` and `edgemcp stdio`) on a temporary data folder,
// driven by the official MCP TypeScript SDK client: the same toolkit scenarios as the
// Worker, over Streamable HTTP and over stdio.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { eventually, freePort, startServer, stop, withHttpClient } from "./helpers.mjs";
import { startIdentityProvider } from "./identity-provider.mjs";
import { jwtAuthVars, jwtMatrix } from "./jwt-scenarios.mjs";
import { assertCommonFields, keySubject, logEvents, scriptedSession } from "./log-scenarios.mjs";
import * as scenarios from "./toolkit-scenarios.mjs";

const binary = fileURLToPath(new URL("../../target/debug/edgemcp", import.meta.url));
const migrations = fileURLToPath(new URL("../../migrations", import.meta.url));

describe("edgemcp serve", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-native-"));
  let port;
  let server;
  const start = () =>
    startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: { PORT: String(port) },
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
  const withClient = (fn) => withHttpClient(`http://127.0.0.1:${port}/mcp`, fn);

  before(async () => {
    port = await freePort();
    server = await start();
  });
  after(async () => {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  });

  test("lists every toolkit tool", () => withClient(scenarios.listsEveryTool));
  test("every schema passes a strict JSON Schema 2020-12 validator", () => withClient(scenarios.schemasPassAStrictValidator));
  test("/ready: every store answers", () => scenarios.readyReportsEveryStore(`http://127.0.0.1:${port}`));
  test("sql reads the sample store", () => withClient(scenarios.sqlReadsTheSampleStore));
  test("sql caps rows and pages", () => withClient(scenarios.sqlCapsRowsAndPages));
  test("sql refuses everything but one read", () => withClient(scenarios.sqlRefusesWhatIsNotOneRead));
  test("sql schema resources", () => withClient(scenarios.sqlSchemaResources));
  test("sql holds the statement corpus", () => withClient(scenarios.sqlHoldsTheCorpus));
  test("sql bounds results in bytes", () => withClient(scenarios.sqlBoundsResultsInBytes));
  test("/health answers within a second while large queries run", async () => {
    // Two queries that keep SQLite busy for seconds, and a third that returns the most a
    // page may hold; the server must keep answering everyone else.
    const slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000000) SELECT count(*) FROM n";
    const big = "SELECT hex(zeroblob(1500000)) AS filler FROM order_items";
    await withClient(async (c) => {
      const running = [slow, slow, big].map((query) => scenarios.call(c, "sql_query", { query }));
      const started = Date.now();
      let answered = 0;
      while (Date.now() - started < 3000) {
        const health = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
        assert.equal(health.status, 200);
        answered += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(answered >= 5, `${answered} health checks answered`);
      for (const result of await Promise.all(running)) {
        assert.ok(result.structuredContent || result.isError, JSON.stringify(result).slice(0, 200));
      }
    });
  });
  test("kv round trip", () => withClient((c) => scenarios.kvRoundTrip(c, "native")));
  test("the toolkits' workflows gather the real data", () => withClient((c) => scenarios.workflowsGatherTheRealData(c, "native")));
  test("kv refuses bad input", () => withClient((c) => scenarios.kvRefusesBadInput(c, { minTtl: 1 })));
  test("blob round trip", () => withClient((c) => scenarios.blobRoundTrip(c, "native")));
  test("blob refuses bad keys and sizes", () => withClient(scenarios.blobRefusesBadKeysAndSizes));
  test("data survives a restart", async () => {
    await withClient((c) => scenarios.writeForRestart(c, "restart"));
    await stop(server);
    server = await start();
    await withClient((c) => scenarios.readAfterRestart(c, "restart"));
  });
});

describe("edgemcp serve with rate limits (EDGEMCP_RATE_LIMIT_*)", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-native-limits-"));
  let base;
  let server;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        // A token every 3 s: the burst below takes milliseconds, far less than that.
        EDGEMCP_RATE_LIMIT_PER_MINUTE: "20",
        EDGEMCP_RATE_LIMIT_BURST: "3",
        EDGEMCP_RATE_LIMIT_TOOLS: "sql_query=1",
      },
      healthUrl: `${base}/health`,
    });
  });
  after(async () => {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  });

  const post = async (id, method, params) => {
    const response = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    });
    return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
  };

  test("a burst over the limit gets 429s with Retry-After, then succeeds after the refill", async () => {
    const query = { name: "sql_query", arguments: { query: "SELECT 1 AS one" } };
    assert.equal((await post(1, "tools/call", query)).status, 200);
    const tool = await post(2, "tools/call", query);
    assert.equal(tool.status, 429, "one sql_query a minute");
    assert.equal(tool.retryAfter, "60");
    assert.match(tool.body.error.message, /calls of `sql_query`/);
    // A request the tool budget refused took nothing from the caller's budget of three:
    // two are left.
    assert.equal((await post(3, "tools/list")).status, 200);
    assert.equal((await post(4, "tools/list")).status, 200);
    const over = await post(5, "tools/list");
    assert.equal(over.status, 429);
    assert.equal(over.retryAfter, "3", "20 a minute: one every 3 s");
    assert.equal(over.body.error.code, -32029);
    assert.equal((await fetch(`${base}/health`)).status, 200, "/health is not limited");
    await new Promise((resolve) => setTimeout(resolve, 3100));
    assert.equal((await post(6, "tools/list")).status, 200);
  });
});

describe("edgemcp stdio", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-stdio-"));
  let client;
  let stderr = "";

  before(async () => {
    client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
    const transport = new StdioClientTransport({
      command: binary,
      args: ["stdio", "--data-dir", data, "--migrations-dir", migrations],
      stderr: "pipe",
    });
    transport.stderr.on("data", (chunk) => (stderr += chunk));
    await client.connect(transport);
  });
  after(async () => {
    await client.close();
    rmSync(data, { recursive: true, force: true });
  });

  test("negotiates and lists every toolkit tool", async () => {
    assert.equal(client.getServerVersion().name, "edgemcp");
    await scenarios.listsEveryTool(client);
  });
  test("the request log goes to stderr, one JSON line per message", async () => {
    await scenarios.call(client, "kv_get", { key: "logged" });
    let events = [];
    for (let tries = 0; tries < 50 && !events.some((e) => e.target === "kv_get"); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      events = logEvents(stderr);
    }
    for (const event of events) assertCommonFields(event);
    const initialize = events.find((e) => e.method === "initialize");
    assert.equal(initialize?.outcome, "ok", JSON.stringify(events));
    const get = events.find((e) => e.target === "kv_get");
    assert.equal(get?.method, "tools/call");
    assert.equal(get.subject, undefined, "stdio has no verified caller");
  });
  test("sql reads the sample store", () => scenarios.sqlReadsTheSampleStore(client));
  test("sql caps rows and pages", () => scenarios.sqlCapsRowsAndPages(client));
  test("sql refuses everything but one read", () => scenarios.sqlRefusesWhatIsNotOneRead(client));
  test("sql schema resources", () => scenarios.sqlSchemaResources(client));
  test("kv round trip", () => scenarios.kvRoundTrip(client, "stdio"));
  test("the toolkits' workflows gather the real data", () => scenarios.workflowsGatherTheRealData(client, "stdio"));
  test("kv refuses bad input", () => scenarios.kvRefusesBadInput(client, { minTtl: 1 }));
  test("blob round trip", () => scenarios.blobRoundTrip(client, "stdio"));
  test("blob refuses bad keys and sizes", () => scenarios.blobRefusesBadKeysAndSizes(client));
});

describe("edgemcp serve with an S3-compatible bucket (moto_server)", { skip: process.env.EDGEMCP_SKIP_S3_TESTS ? "EDGEMCP_SKIP_S3_TESTS is set" : false }, () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-s3-"));
  let moto;
  let server;
  let port;

  before(async () => {
    const motoPort = await freePort();
    moto = await startServer("moto_server", ["-H", "127.0.0.1", "-p", String(motoPort)], {
      healthUrl: `http://127.0.0.1:${motoPort}/`,
    });
    const created = await fetch(`http://127.0.0.1:${motoPort}/mcp-objects`, { method: "PUT", body: "" });
    assert.equal(created.status, 200, "moto creates the bucket");
    port = await freePort();
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        EDGEMCP_BLOB_BACKEND: "s3",
        EDGEMCP_S3_BUCKET: "mcp-objects",
        EDGEMCP_S3_ENDPOINT: `http://127.0.0.1:${motoPort}`,
        EDGEMCP_S3_REGION: "us-east-1",
        EDGEMCP_S3_ALLOW_HTTP: "true",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        EDGEMCP_BREAKER_FAILURES: "3",
        EDGEMCP_BREAKER_COOL_DOWN_SECONDS: "60",
      },
      healthUrl: `http://127.0.0.1:${port}/health`,
    });
  });
  after(async () => {
    await stop(server);
    await stop(moto);
    rmSync(data, { recursive: true, force: true });
  });

  const withClient = (fn) => withHttpClient(`http://127.0.0.1:${port}/mcp`, fn);
  test("blob round trip", () => withClient((c) => scenarios.blobRoundTrip(c, "s3")));
  test("blob refuses bad keys and sizes", () => withClient(scenarios.blobRefusesBadKeysAndSizes));
  test("objects land in the bucket", () =>
    withClient(async (c) => {
      await scenarios.call(c, "blob_put", { key: "in-bucket.txt", content: "hello" });
      const listed = await scenarios.call(c, "blob_list", { prefix: "in-bucket" });
      assert.deepEqual(listed.structuredContent.objects.map((o) => o.key), ["in-bucket.txt"]);
      assert.ok(!existsSync(join(data, "blobs", "in-bucket.txt~")), "nothing was written to the data folder");
    }));
  // Last: it stops the bucket.
  test("a bucket that goes away opens the blobs breaker: calls fail fast naming the store, /ready and /metrics show it", () =>
    withClient(async (c) => {
      await stop(moto);
      for (let i = 0; i < 3; i++) {
        const failed = await c.callTool({ name: "blob_head", arguments: { key: "in-bucket.txt" } });
        assert.equal(failed.isError, true);
        assert.match(failed.content[0].text, /correlation id/i, "the bucket's own failure stays generic");
      }
      const started = Date.now();
      const fast = await c.callTool({ name: "blob_head", arguments: { key: "in-bucket.txt" } });
      assert.equal(fast.isError, true);
      assert.match(fast.content[0].text, /The blobs store is failing, so calls to it are paused; retry in \d+ s/);
      assert.ok(Date.now() - started < 1000, "an open breaker answers without waiting on the bucket");
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      assert.equal(ready.status, 503);
      const body = await ready.json();
      assert.equal(body.stores.blobs, "down");
      assert.deepEqual(body.breakers, { sql: "closed", kv: "closed", blobs: "open" });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /edgemcp_breaker_transitions_total\{store="blobs",state="open"\} 1/);
      // SQL, on its own breaker, is untouched.
      const sql = await c.callTool({ name: "sql_query", arguments: { query: "SELECT 1 AS one" } });
      assert.equal(sql.isError, undefined);
    }));
});

describe("edgemcp serve with API keys", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-auth-"));
  const key = "native-test-key";
  let server;
  let base;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        EDGEMCP_AUTH_MODE: "api_key",
        EDGEMCP_AUTH_API_KEYS: createHash("sha256").update(key).digest("hex"),
        EDGEMCP_AUTH_API_KEY_SCOPES: "mcp:read",
        EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
      },
      healthUrl: `${base}/health`,
    });
  });
  after(async () => {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  });

  test("a read-only key lists and calls only the read tools", () =>
    withHttpClient(`${base}/mcp`, scenarios.readOnlyKeySeesReadTools, { headers: { authorization: `Bearer ${key}` } }));
  test("no key, a wrong key and a missing scope get their challenges", () => scenarios.accessChallenges(base, key));
});

describe("edgemcp serve with JWT bearer tokens", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-jwt-"));
  let idp;
  let server;
  let base;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider();
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: { PORT: String(port), ...jwtAuthVars(base, idp) },
      healthUrl: `${base}/health`,
    });
  });
  after(async () => {
    await stop(server);
    await idp?.close();
    rmSync(data, { recursive: true, force: true });
  });

  test("/ready shows the breaker in front of the issuer's keys", async () => {
    const res = await fetch(`${base}/ready`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.breakers.jwks, "closed", JSON.stringify(body));
  });
  test("a read-only token lists and calls only the read tools", () =>
    withHttpClient(`${base}/mcp`, scenarios.readOnlyKeySeesReadTools, {
      headers: { authorization: `Bearer ${idp.token({ audience: `${base}/mcp`, scope: "mcp:read" })}` },
    }));
  test("with tenant isolation, each token's tenant claim confines its keys", async () => {
    const port = await freePort();
    const isolated = `http://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), "edgemcp-jwt-tenants-"));
    const other = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", dir, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        ...jwtAuthVars(isolated, idp),
        EDGEMCP_AUTH_TENANT_CLAIM: "org",
        EDGEMCP_AUTH_TENANT_ISOLATION: "true",
        // One SQL database cannot be split by tenant; the server refuses to start with it.
        EDGEMCP_SQL_ENABLED: "false",
      },
      healthUrl: `${isolated}/health`,
    });
    const call = async (org, name, args) => {
      const claims = org === undefined ? {} : { org };
      const res = await fetch(`${isolated}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "mcp-protocol-version": "2025-11-25",
          authorization: `Bearer ${idp.token({ audience: `${isolated}/mcp`, claims })}`,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
      });
      assert.equal(res.status, 200);
      return (await res.json()).result;
    };
    try {
      assert.equal((await call("acme", "kv_put", { key: "plan", value: "gold" })).isError, undefined);
      assert.equal((await call("acme", "kv_get", { key: "plan" })).structuredContent.value, "gold");
      assert.equal((await call("globex", "kv_get", { key: "plan" })).structuredContent.found, false, "another tenant's key is invisible");
      const listed = (await call("acme", "kv_list", {})).structuredContent.keys.map((k) => k.key);
      assert.deepEqual(listed, ["plan"], "keys are listed without the tenant prefix");
      const untenanted = await call(undefined, "kv_get", { key: "plan" });
      assert.equal(untenanted.isError, true);
      assert.match(untenanted.content[0].text, /no verified tenant/);
    } finally {
      await stop(other);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test("without a JWKS URL, the issuer's discovery document names the keys", async () => {
    const port = await freePort();
    const discovering = `http://127.0.0.1:${port}`;
    const { EDGEMCP_AUTH_JWKS_URL: _, ...vars } = jwtAuthVars(discovering, idp);
    const dir = mkdtempSync(join(tmpdir(), "edgemcp-jwt-discovery-"));
    const other = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", dir, "--migrations-dir", migrations], {
      env: { PORT: String(port), ...vars },
      healthUrl: `${discovering}/health`,
    });
    try {
      const res = await fetch(`${discovering}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${idp.token({ audience: `${discovering}/mcp` })}`,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      assert.equal(res.status, 200, await res.text());
    } finally {
      await stop(other);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  // Last: it rotates the provider's key and then shuts the provider down.
  test("tokens are accepted or refused, keys rotate, an unreachable JWKS fails closed", async () => {
    await jwtMatrix(base, idp);
    // Every JWT starts with the base64url of `{"`: none may reach the logs.
    assert.ok(!server.output().includes("eyJ"), `a token was printed:\n${server.output()}`);
  });
});

describe("edgemcp serve keeps backend detail and secrets out of answers", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-faults-"));
  const key = "native-fault-key";
  const stateSecret = "a-state-secret-of-at-least-32-bytes-for-tests";
  let server;
  let base;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        PORT: String(port),
        EDGEMCP_AUTH_MODE: "api_key",
        EDGEMCP_AUTH_API_KEYS: createHash("sha256").update(key).digest("hex"),
        EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
        EDGEMCP_STATE_SECRET: stateSecret,
        GOOGLE_CLOUD_PROJECT: "edgemcp-test",
      },
      healthUrl: `${base}/health`,
    });
  });

  test("the request log: one JSON line per message, field by field, Cloud Logging's fields too", async () => {
    await scriptedSession({ url: `${base}/mcp`, key, subject: keySubject(key), output: server.output });
    const event = logEvents(server.output()).at(-1);
    assert.equal(event.severity, "INFO");
    assert.equal(event["logging.googleapis.com/trace"], `projects/edgemcp-test/traces/${event.trace_id}`);
  });
  after(async () => {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  });

  test("a failing object store answers with a correlation id; the log line holds the detail", async () => {
    // A real fault: the object store's folder becomes a file.
    const blobs = join(data, "blobs");
    rmSync(blobs, { recursive: true, force: true });
    writeFileSync(blobs, "not a folder");
    const result = await withHttpClient(
      `${base}/mcp`,
      (client) => client.callTool({ name: "blob_put", arguments: { key: "report.txt", content: "hello" } }),
      { headers: { authorization: `Bearer ${key}` } },
    );
    assert.equal(result.isError, true);
    const text = result.content[0].text;
    assert.ok(!text.includes(data), `the client never sees the path: ${text}`);
    const id = /correlation id ([0-9a-f]{16})/.exec(text)?.[1];
    assert.ok(id, `a correlation id in ${text}`);
    // Log lines reach the output a few milliseconds after the answer.
    const event = await eventually(() =>
      server
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
        .find((line) => line.correlation_id === id),
    );
    assert.ok(event, `a log line for ${id} in ${server.output()}`);
    assert.equal(event.level, "error");
    assert.equal(event.method, "tools/call");
    assert.equal(event.target, "blob_put");
    assert.ok(event.error.includes(blobs), `the log holds the detail: ${event.error}`);
  });

  test("/ready names the broken store with 503; why goes to the log only", async () => {
    const res = await fetch(`${base}/ready`);
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.deepEqual(body.stores, { sql: "ok", kv: "ok", blobs: "down" });
    assert.equal(body.status, "unavailable");
    const logged = await eventually(() =>
      server
        .output()
        .split("\n")
        .find((line) => line.includes("a store is not ready")),
    );
    assert.ok(logged?.includes(join(data, "blobs")), `the log names the path: ${logged}`);
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200, "liveness does not depend on the stores");
  });

  test("neither the key nor the state secret appears in any output", async () => {
    const refused = () => server.output().split("\n").filter((line) => line.includes("http request refused"));
    const before = refused().length;
    // A refused key, a good one, and a malformed body: each may log.
    for (const token of ["wrong-key", key]) {
      await fetch(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` },
        body: token === key ? "{not json" : JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    }
    // Both answers were 4xx: wait until both of their lines are out.
    await eventually(() => refused().length >= before + 2 || undefined, 3000);
    const output = server.output();
    assert.ok(output.includes("http request refused"), "the refusals were logged");
    for (const secret of [key, stateSecret, "wrong-key"]) {
      assert.ok(!output.includes(secret), `${secret} appears in the server's output`);
    }
  });
});

describe("edgemcp serve /metrics", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-metrics-"));
  const token = "metrics-reader-token";
  let server;
  let base;
  let metricsBase;

  before(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    metricsBase = `http://127.0.0.1:${metricsPort}`;
    server = await startServer(binary, ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations], {
      env: { PORT: String(port), EDGEMCP_METRICS_TOKEN: token, EDGEMCP_METRICS_PORT: String(metricsPort) },
      healthUrl: `${base}/health`,
    });
  });
  after(async () => {
    await stop(server);
    rmSync(data, { recursive: true, force: true });
  });

  /** The value of the sample `name{labels}` in Prometheus text, or undefined. */
  const sample = (text, series) => {
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  test("counts are exact after known calls, buckets add up, labels stay bounded", async () => {
    const post = (body) =>
      fetch(`${base}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify(body),
      }).then((r) => r.text());
    const call = (name, args) => post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
    for (let i = 0; i < 3; i++) await call("kv_get", { key: `m${i}` });
    await call("kv_get", { key: 7 });
    await call("no_such_tool_from_a_client", {});
    await post({ jsonrpc: "2.0", id: 2, method: "no/such" });
    await post({ jsonrpc: "2.0", id: 3, method: "tools/list" });

    assert.equal((await fetch(`${base}/metrics`)).status, 401, "no token");
    assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong" } })).status, 401, "a wrong token");
    const scraped = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(scraped.status, 200);
    assert.match(scraped.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
    const text = await scraped.text();

    const messages = (method, tool, outcome) => sample(text, `edgemcp_messages_total{method="${method}",tool="${tool}",outcome="${outcome}"}`);
    assert.equal(messages("tools/call", "kv_get", "ok"), 3, text);
    assert.equal(messages("tools/call", "kv_get", "tool_error"), 1);
    // A name no tool has is not a label value: clients cannot grow the series.
    assert.equal(messages("tools/call", "", "error"), 1);
    assert.ok(!text.includes("no_such_tool_from_a_client"));
    assert.equal(messages("other", "", "error"), 1);
    assert.equal(messages("tools/list", "", "ok"), 1);
    assert.equal(sample(text, `edgemcp_errors_total{method="other",code="-32601"}`), 1);
    assert.equal(sample(text, "edgemcp_messages_in_flight"), 0);

    // The tools/call histogram: five calls, cumulative buckets ending at the count.
    const histogram = (name, labels) => {
      const buckets = text
        .split("\n")
        .filter((l) => l.startsWith(`${name}_bucket{${labels},le=`))
        .map((l) => Number(l.split(" ").at(-1)));
      return { buckets, count: sample(text, `${name}_count{${labels}}`), sum: sample(text, `${name}_sum{${labels}}`) };
    };
    const calls = histogram("edgemcp_message_duration_seconds", 'method="tools/call"');
    assert.equal(calls.count, 5);
    assert.equal(calls.buckets.at(-1), 5, "+Inf holds every observation");
    assert.ok(calls.buckets.every((n, i) => i === 0 || n >= calls.buckets[i - 1]), `cumulative: ${calls.buckets}`);
    assert.ok(calls.sum > 0);
    // Three kv_get calls reached the store; the fourth was refused before it.
    const storage = histogram("edgemcp_storage_call_duration_seconds", 'backend="sqlite",operation="kv_get",outcome="ok"');
    assert.equal(storage.count, 3, text);
    assert.equal(storage.buckets.at(-1), 3);
  });

  test("the metrics port serves /metrics only, behind the same token", async () => {
    assert.equal((await fetch(`${metricsBase}/metrics`)).status, 401);
    const scraped = await fetch(`${metricsBase}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /edgemcp_messages_total/);
    assert.equal((await fetch(`${metricsBase}/mcp`, { method: "POST" })).status, 404);
  });
});

/**
 * Checks one CloudWatch Embedded Metric Format document against the format's rules: a
 * millisecond timestamp, one namespace, dimension sets naming root members with string
 * values, metrics naming root members with number values and a CloudWatch unit.
 */
function assertEmf(line) {
  const units = new Set(["Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Count", "Percent", "None"]);
  const { _aws: meta } = line;
  assert.ok(Number.isInteger(meta.Timestamp) && meta.Timestamp > 1.6e12, JSON.stringify(meta));
  assert.equal(meta.CloudWatchMetrics.length, 1);
  const [directive] = meta.CloudWatchMetrics;
  assert.equal(directive.Namespace, "edgemcp");
  assert.ok(directive.Dimensions.length >= 1);
  for (const set of directive.Dimensions) {
    assert.ok(set.length >= 1 && set.length <= 30);
    for (const name of set) assert.equal(typeof line[name], "string", `dimension ${name} in ${JSON.stringify(line)}`);
  }
  assert.ok(directive.Metrics.length >= 1 && directive.Metrics.length <= 100);
  for (const { Name, Unit } of directive.Metrics) {
    assert.equal(typeof line[Name], "number", `metric ${Name} in ${JSON.stringify(line)}`);
    assert.ok(units.has(Unit), Unit);
  }
}

describe("edgemcp under AWS Lambda (a loopback Lambda Runtime API)", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-lambda-"));
  const key = "lambda-log-key";
  after(() => rmSync(data, { recursive: true, force: true }));

  /**
   * The Runtime API a Lambda function polls: it hands out `events` one by one on
   * `/invocation/next` and collects what the function posts back.
   */
  async function runtimeApi(events) {
    const responses = [];
    const waiting = [];
    const api = createHttpServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      if (req.method === "GET" && req.url.endsWith("/invocation/next")) {
        const event = events.shift();
        if (!event) return; // no more work: the function waits, as on Lambda
        res.writeHead(200, {
          "content-type": "application/json",
          "lambda-runtime-aws-request-id": `invocation-${responses.length + 1}`,
          "lambda-runtime-deadline-ms": String(Date.now() + 30_000),
          "lambda-runtime-invoked-function-arn": "arn:aws:lambda:us-east-1:123456789012:function:edgemcp",
        });
        res.end(JSON.stringify(event));
        return;
      }
      responses.push(JSON.parse(Buffer.concat(chunks).toString() || "null"));
      waiting.shift()?.();
      res.writeHead(202).end();
    });
    await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
    const next = () => new Promise((resolve) => waiting.push(resolve));
    return { api, responses, next };
  }

  test("each event is answered, and its message logged as one JSON line on stdout", async () => {
    const event = (id, body) => ({
      version: "2.0",
      routeKey: "$default",
      rawPath: "/mcp",
      rawQueryString: "",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${key}`,
        "x-request-id": `lambda-${id}`,
      },
      requestContext: { http: { method: "POST", path: "/mcp", protocol: "HTTP/1.1", sourceIp: "203.0.113.7" }, requestId: `api-${id}`, stage: "$default" },
      body: JSON.stringify(body),
      isBase64Encoded: false,
    });
    const { api, responses, next } = await runtimeApi([
      event(1, { jsonrpc: "2.0", id: 1, method: "tools/list" }),
      event(2, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "kv_get", arguments: { key: "k" } } }),
    ]);
    const child = spawn(binary, ["lambda", "--data-dir", data, "--migrations-dir", migrations], {
      env: {
        ...process.env,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${api.address().port}`,
        AWS_LAMBDA_FUNCTION_NAME: "edgemcp",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
        AWS_LAMBDA_FUNCTION_VERSION: "1",
        EDGEMCP_AUTH_MODE: "api_key",
        EDGEMCP_AUTH_API_KEYS: createHash("sha256").update(key).digest("hex"),
        EDGEMCP_AUTH_AUDIENCE: "https://lambda.example/mcp",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stdout += d));
    try {
      await Promise.race([
        Promise.all([next(), next()]),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answers:\n${stdout}`)), 30_000)),
      ]);
      assert.equal(responses.length, 2);
      assert.equal(responses[0].statusCode, 200, JSON.stringify(responses[0]));
      assert.ok(JSON.parse(responses[0].body).result.tools.length > 0);
      let events = [];
      for (let tries = 0; tries < 50 && events.length < 2; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        events = logEvents(stdout).filter((e) => e.request_id?.startsWith("lambda-"));
      }
      assert.equal(events.length, 2, stdout);
      for (const e of events) assertCommonFields(e);
      assert.deepEqual(events.map((e) => [e.request_id, e.method, e.outcome]), [
        ["lambda-1", "tools/list", "ok"],
        ["lambda-2", "tools/call", "ok"],
      ]);
      assert.equal(events[1].target, "kv_get");
      assert.equal(events[1].subject, keySubject(key));
      // Metrics as CloudWatch EMF lines: one per message, one per storage call.
      const emf = logEvents(stdout, "metrics");
      for (const line of emf) assertEmf(line);
      const measured = emf.filter((e) => "messages" in e);
      assert.deepEqual(measured.map((e) => [e.method, e.tool ?? null, e.outcome, e.messages, e.errors]), [
        ["tools/list", null, "ok", 1, 0],
        ["tools/call", "kv_get", "ok", 1, 0],
      ]);
      assert.deepEqual(measured[1]._aws.CloudWatchMetrics[0].Dimensions, [["method", "outcome"], ["method", "tool", "outcome"]]);
      const storage = emf.filter((e) => "storage_call_duration" in e);
      assert.ok(storage.some((e) => e.backend === "sqlite" && e.operation === "kv_get" && e.outcome === "ok"), JSON.stringify(storage));
      assert.ok(!stdout.includes(key), "the key appears nowhere in the output");
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => api.close(resolve));
    }
  });
});

describe("edgemcp serve under SIGTERM", () => {
  const data = mkdtempSync(join(tmpdir(), "edgemcp-drain-"));
  after(() => rmSync(data, { recursive: true, force: true }));

  test("in-flight requests finish and nothing acknowledged is lost", async () => {
    const port = await freePort();
    const args = ["serve", "--host", "127.0.0.1", "--data-dir", data, "--migrations-dir", migrations];
    const healthUrl = `http://127.0.0.1:${port}/health`;
    let server = await startServer(binary, args, { env: { PORT: String(port) }, healthUrl });
    const put = (i) =>
      fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "kv_put", arguments: { key: `load/${i}`, value: `v${i}` } },
        }),
      }).then(
        async (res) => ({ i, status: res.status, body: await res.json() }),
        () => ({ i, status: 0 }),
      );
    const exited = new Promise((resolve) => server.once("exit", (code, signal) => resolve({ code, signal })));
    const inflight = [];
    for (let i = 0; i < 200; i++) inflight.push(put(i));
    // Signal once the server is answering, so the rest are queued or mid-flight.
    await Promise.race(inflight);
    server.kill("SIGTERM");
    const results = await Promise.all(inflight);
    const { code } = await exited;
    assert.equal(code, 0, "the server drains and exits cleanly");
    const acknowledged = results.filter((r) => r.status === 200 && !r.body.result?.isError);
    assert.ok(acknowledged.length >= 1, "some writes were acknowledged before the drain");
    for (const r of results) {
      assert.ok(r.status === 200 || r.status === 0, `request ${r.i} got ${r.status}: either answered or never accepted`);
    }
    server = await startServer(binary, args, { env: { PORT: String(port) }, healthUrl });
    try {
      await withHttpClient(`http://127.0.0.1:${port}/mcp`, async (client) => {
        for (const { i } of acknowledged) {
          const got = await client.callTool({ name: "kv_get", arguments: { key: `load/${i}` } });
          assert.equal(got.structuredContent.value, `v${i}`, `acknowledged write ${i} survived`);
        }
      });
    } finally {
      await stop(server);
    }
  });
});
