// The Worker under `wrangler dev` with access control (vars passed with `--var`): API keys,
// then JWTs from a loopback identity provider, each on its own Worker, port and state,
// driven by the official MCP TypeScript SDK client and raw requests for the challenges.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startDevWorker, stop, withHttpClient } from "./helpers.mjs";
import { startIdentityProvider } from "./identity-provider.mjs";
import { jwtAuthVars, jwtMatrix } from "./jwt-scenarios.mjs";
import { keySubject, scriptedSession } from "./log-scenarios.mjs";
import * as scenarios from "./toolkit-scenarios.mjs";

/** Starts the Worker on `port` with `vars` as `--var`s and `state` as its state. */
const startWorker = (port, state, vars) => startDevWorker(port, state, { vars });

describe("the Worker with API keys", () => {
  const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-auth-"));
  const key = "worker-test-key";
  let base;
  let worker;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    worker = await startWorker(port, state, {
      EDGEMCP_AUTH_MODE: "api_key",
      EDGEMCP_AUTH_API_KEYS: createHash("sha256").update(key).digest("hex"),
      EDGEMCP_AUTH_API_KEY_SCOPES: "mcp:read",
      EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
    });
  });

  after(async () => {
    await stop(worker);
    rmSync(state, { recursive: true, force: true });
  });

  test("a read-only key lists and calls only the read tools", () =>
    withHttpClient(`${base}/mcp`, scenarios.readOnlyKeySeesReadTools, { headers: { authorization: `Bearer ${key}` } }));
  test("no key, a wrong key and a missing scope get their challenges", () => scenarios.accessChallenges(base, key));
  test("the request log: one JSON line per message on the console, field by field", () =>
    scriptedSession({
      url: `${base}/mcp`,
      key,
      subject: keySubject(key),
      output: worker.output,
    }));
  test("the key appears nowhere in the Worker's output", () => {
    assert.ok(!worker.output().includes(key), "the bearer key was printed");
  });
});

describe("the Worker with JWT bearer tokens", () => {
  const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-jwt-"));
  let idp;
  let base;
  let worker;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startIdentityProvider();
    worker = await startWorker(port, state, jwtAuthVars(base, idp));
  });

  after(async () => {
    await stop(worker);
    await idp?.close();
    rmSync(state, { recursive: true, force: true });
  });

  test("a read-only token lists and calls only the read tools", () =>
    withHttpClient(`${base}/mcp`, scenarios.readOnlyKeySeesReadTools, {
      headers: { authorization: `Bearer ${idp.token({ audience: `${base}/mcp`, scope: "mcp:read" })}` },
    }));
  // Last: it rotates the provider's key and then shuts the provider down.
  test("tokens are accepted or refused, keys rotate, an unreachable JWKS fails closed", async () => {
    await jwtMatrix(base, idp);
    // Every JWT starts with the base64url of `{"`: none may reach the logs.
    assert.ok(!worker.output().includes("eyJ"), `a token was printed:\n${worker.output()}`);
  });
});
