// JWT access control every host must pass, against tokens from the loopback identity
// provider: raw requests, so each case's status and challenge are checked as sent.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { tamper } from "./identity-provider.mjs";
import { sameOverHandleMessage } from "./helpers.mjs";

/** The settings that make the server at `base` accept tokens from `idp`. */
export function jwtAuthVars(base, idp) {
  return {
    EDGEMCP_AUTH_MODE: "jwt",
    EDGEMCP_AUTH_ISSUER: idp.issuer,
    EDGEMCP_AUTH_AUDIENCE: `${base}/mcp`,
    EDGEMCP_AUTH_JWKS_URL: idp.jwksUrl,
    // Short, so the rotation and outage cases need only wait a second.
    EDGEMCP_AUTH_JWKS_REFRESH_SECONDS: "1",
  };
}

// A little over EDGEMCP_AUTH_JWKS_REFRESH_SECONDS, so the next unknown kid may refetch.
const REFRESH_WAIT_MS = 1200;

const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list" };
const putKey = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "kv_put", arguments: { key: "k", value: "v" } } };
const now = () => Math.floor(Date.now() / 1000);

/**
 * Everything the matrix needs about the server at `base`; with `messages` (the same
 * npm `McpServer`), every case is also sent through `handleMessage`.
 */
function against(base, idp, messages) {
  const resource = `${base}/mcp`;
  const metadata = `${base}/.well-known/oauth-protected-resource/mcp`;

  /** POSTs `body` with `token` (none when undefined); the status, challenge and body. */
  async function post(token, body = listTools, { query = "" } = {}) {
    const res = await fetch(`${resource}${query}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "mcp-protocol-version": "2025-11-25",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    const answer = { status: res.status, challenge: res.headers.get("www-authenticate"), text: await res.text() };
    // A token in the URL has no counterpart in a message.
    if (messages && !query) await sameOverHandleMessage(messages, token, body, answer.text, `${body.method} with ${token}`);
    return answer;
  }

  /** The parameters of a Bearer challenge; fails when there is none. */
  function params(answer, what) {
    assert.match(answer.challenge ?? "", /^Bearer /, `${what}: a Bearer challenge, got ${answer.challenge}`);
    return Object.fromEntries([...answer.challenge.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
  }

  /** Asserts a 200 tools/list and returns the tool names. */
  function listed(answer, what) {
    assert.equal(answer.status, 200, `${what}: expected 200, got ${answer.status} ${answer.challenge ?? ""} ${answer.text}`);
    const tools = JSON.parse(answer.text).result?.tools;
    assert.ok(Array.isArray(tools), `${what}: a tools/list result, got ${answer.text}`);
    return tools.map((t) => t.name);
  }

  /** Asserts 401 with `error="invalid_token"` pointing at the metadata. */
  function invalid(answer, what) {
    assert.equal(answer.status, 401, `${what}: expected 401, got ${answer.status} ${answer.text}`);
    const p = params(answer, what);
    assert.equal(p.resource_metadata, metadata, `${what}: resource_metadata`);
    assert.equal(p.error, "invalid_token", `${what}: error in ${answer.challenge}`);
  }

  // Every token is for this resource unless a case says otherwise.
  const sign = (options = {}) => idp.token({ audience: resource, ...options });
  return { resource, metadata, post, params, listed, invalid, sign };
}

/** Signed, well-formed tokens are accepted; every forged, stale or misdirected one is refused. */
async function acceptsAndRefuses(base, idp, messages) {
  const { resource, metadata, post, params, listed, invalid, sign } = against(base, idp, messages);

  const none = await post(undefined);
  assert.equal(none.status, 401, "no token");
  assert.equal(none.challenge, `Bearer resource_metadata="${metadata}"`, "no token: the bare challenge");

  const accepted = [
    ["valid RS256", sign()],
    ["valid ES256", sign({ alg: "ES256" })],
    ["expired 30 s ago, inside the leeway", sign({ claims: { iat: now() - 630, exp: now() - 30 } })],
    ["aud an array holding the resource", sign({ audience: ["https://other.example/mcp", resource] })],
  ];
  for (const [what, token] of accepted) {
    assert.ok(listed(await post(token), what).includes("kv_put"), `${what}: a read-write token sees kv_put`);
  }

  const readOnly = sign({ scope: "mcp:read" });
  const refused = [
    ["expired an hour ago", sign({ claims: { iat: now() - 4200, exp: now() - 3600 } })],
    // exp stays ahead in these two, so only the claim under test is wrong.
    ["nbf an hour ahead", sign({ claims: { nbf: now() + 3600, exp: now() + 7200 } })],
    ["iat an hour in the future", sign({ claims: { iat: now() + 3600, exp: now() + 7200 } })],
    ["wrong iss", sign({ claims: { iss: "https://issuer.invalid" } })],
    ["iss with a trailing slash (compared exactly)", sign({ claims: { iss: `${idp.issuer}/` } })],
    ["wrong aud", sign({ audience: `${base}/other` })],
    ["no aud", sign({ audience: undefined })],
    ["unknown kid", sign({ kid: "rsa-unknown" })],
    ["alg none", idp.unsignedToken({ audience: resource })],
    ["HS256 keyed with the RSA public key", idp.publicKeyHmacToken({ audience: resource })],
    ["tampered payload (scope upgraded)", tamper(readOnly, { scope: "mcp:read mcp:write" })],
    ["garbage abc", "abc"],
    ["garbage a.b.c", "a.b.c"],
  ];
  for (const [what, token] of refused) invalid(await post(token), what);

  // A valid read-only token: the write tools are hidden, and calling one anyway is a 403.
  const names = listed(await post(readOnly), "read-only token");
  assert.ok(names.includes("kv_get") && !names.includes("kv_put"), `read-only token lists ${names.join()}`);
  const denied = await post(readOnly, putKey);
  assert.equal(denied.status, 403, `read-only token calling kv_put: ${denied.status} ${denied.text}`);
  const scoped = params(denied, "read-only token calling kv_put");
  assert.equal(scoped.resource_metadata, metadata, "read-only token calling kv_put: resource_metadata");
  assert.equal(scoped.error, "insufficient_scope", "read-only token calling kv_put: error");
  assert.equal(scoped.scope, "mcp:write", "read-only token calling kv_put: scope");

  // Refused even alongside a valid header: URLs end up in logs.
  const inQuery = await post(sign(), listTools, { query: `?access_token=${sign()}` });
  assert.equal(inQuery.status, 400, `token in the query: ${inQuery.status} ${inQuery.text}`);
  assert.equal(params(inQuery, "token in the query").error, "invalid_request", "token in the query: error");
}

/** After the provider replaces rsa-1 with rsa-2, rsa-2 tokens work and rsa-1 tokens stop. */
async function followsKeyRotation(base, idp, messages) {
  const { post, listed, invalid, sign } = against(base, idp, messages);
  await idp.rotate();
  await sleep(REFRESH_WAIT_MS);
  const fetches = idp.jwksFetches;
  // rsa-2 first: its unknown kid is what makes the server refetch, dropping rsa-1.
  listed(await post(sign()), "rotation: a token signed with rsa-2");
  assert.ok(idp.jwksFetches > fetches, "rotation: the unknown kid rsa-2 made the server refetch the JWKS");
  invalid(await post(sign({ kid: "rsa-1" })), "rotation: a token signed with the retired rsa-1");
}

/** With the JWKS unreachable, a kid the server has not seen is refused, not waved through. */
async function failsClosed(base, idp, messages) {
  const { post, invalid, sign } = against(base, idp, messages);
  await idp.close();
  await sleep(REFRESH_WAIT_MS);
  invalid(await post(sign({ kid: "rsa-3" })), "JWKS unreachable: a new unknown kid");
}

/**
 * The whole matrix against the server at `base`, which trusts `idp` (see `jwtAuthVars`).
 * It rotates and then closes `idp`, so run it after every other test that needs tokens.
 *
 * `messages`, an npm `McpServer` serving `base`, gets every case through `handleMessage`
 * too; it is first initialized to the revision the HTTP requests name.
 */
export async function jwtMatrix(base, idp, messages) {
  if (messages) {
    const initialize = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "matrix", version: "0" } } };
    const token = idp.token({ audience: `${base}/mcp` });
    const reply = JSON.parse(await messages.handleMessage(JSON.stringify(initialize), { token }));
    assert.equal(reply.result?.protocolVersion, "2025-11-25", `initialize over handleMessage: ${JSON.stringify(reply)}`);
  }
  await acceptsAndRefuses(base, idp, messages);
  await followsKeyRotation(base, idp, messages);
  await failsClosed(base, idp, messages);
}
