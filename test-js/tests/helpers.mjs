// Shared helpers: start a server process on a free loopback port and wait until it answers;
// compare an answer over handleMessage with the same request over HTTP.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/**
 * Connects the official SDK client to the MCP endpoint at `url` (sending `headers` with
 * every request, such as an Authorization header), runs `fn`, closes.
 */
export async function withHttpClient(url, fn, { headers } = {}) {
  const client = new Client({ name: "edgemcp-test-js", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** What `find()` returns once it is truthy, polling for up to `ms`; undefined after that. */
export async function eventually(find, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found || Date.now() > deadline) return found;
    await sleep(50);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts `command` with `env`, then polls `healthUrl` until it answers 200.
 * Returns the child process, whose `output()` is everything it printed so far; stop it
 * with `stop(child)`.
 */
export async function startServer(command, args, { env = {}, healthUrl, timeoutMs = 60_000, cwd } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  child.output = () => output;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const res = await fetch(healthUrl);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  child.kill("SIGKILL");
  throw new Error(`${command} did not answer ${healthUrl} within ${timeoutMs} ms:\n${output}`);
}

/** Stops a child started by `startServer` and waits for it to exit. */
export async function stop(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Sends `body` to `server.handleMessage` with `token` (none when undefined) and asserts
 * it gets the result or error that HTTP's body `httpText` held.
 */
export async function sameOverHandleMessage(server, token, body, httpText, what) {
  const reply = await server.handleMessage(JSON.stringify(body), token === undefined ? undefined : { token });
  assert.ok(reply !== null, `${what}: handleMessage answered nothing`);
  const [bare, http] = [JSON.parse(reply), JSON.parse(httpText)];
  assert.deepEqual(bare.error, http.error, `${what}: the same error over handleMessage as over HTTP`);
  assert.deepEqual(bare.result, http.result, `${what}: the same result over handleMessage as over HTTP`);
}

const dev = fileURLToPath(new URL("../../scripts/dev", import.meta.url));

/**
 * The Worker (already built) under `wrangler dev` through `scripts/dev` on `port`, with
 * `state` as its state folder, `vars` passed as `--var`s and `args` after them.
 */
export function startDevWorker(port, state, { vars = {}, args = [] } = {}) {
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  return startServer(dev, [...varArgs, ...args], {
    env: { PORT: String(port), EDGEMCP_STATE_DIR: state, EDGEMCP_SKIP_WORKER_BUILD: "1" },
    healthUrl: `http://127.0.0.1:${port}/health`,
    timeoutMs: 600_000,
  });
}

/**
 * A stateless `tools/call` of `name` with `args`, POSTed to `${base}/mcp` with the extra
 * `headers`; the fetch `Response`.
 */
export function postToolCall(base, name, args, headers = {}) {
  return fetch(`${base}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
}
