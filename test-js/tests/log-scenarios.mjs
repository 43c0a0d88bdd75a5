// The request log every host must write: one JSON event per MCP message, checked field
// by field after a scripted session, with the caller's key nowhere in the output.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN = "00f067aa0ba902b7";

/** The subject an API key verifies as: `api-key:` and the first 8 hex digits of its hash. */
export const keySubject = (key) => `api-key:${createHash("sha256").update(key).digest("hex").slice(0, 8)}`;

/**
 * The log events whose `message` is `message` (by default the request log's) in
 * `output`: one JSON object per line, other lines skipped.
 * `wrangler dev` decorates `console.warn` and `console.error` lines (a coloured
 * `[WARNING]` prefix), so each line is read from its first `{` to its last `}`.
 */
export function logEvents(output, message = "mcp message") {
  return output
    .split("\n")
    // eslint-disable-next-line no-control-regex
    .map((line) => line.replace(/\u001b\[[0-9;]*m/g, ""))
    .map((line) => line.slice(line.indexOf("{"), line.lastIndexOf("}") + 1))
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    })
    .filter((event) => event.message === message);
}

/** Fields every event has, whatever its message. */
export function assertCommonFields(event) {
  assert.equal(typeof event.ts_ms, "number", `ts_ms in ${JSON.stringify(event)}`);
  assert.match(event.request_id, /^\S{1,128}$/, "request_id");
  assert.match(event.trace_id, /^[0-9a-f]{32}$/, "trace_id");
  assert.match(event.span_id, /^[0-9a-f]{16}$/, "span_id");
  assert.equal(typeof event.method, "string", "method");
  assert.equal(typeof event.protocol_version, "string", "protocol_version");
  assert.equal(typeof event.duration_ms, "number", "duration_ms");
  assert.ok(event.duration_ms >= 0, "duration_ms");
  assert.ok(["ok", "tool_error", "error", "accepted"].includes(event.outcome), `outcome ${event.outcome}`);
}

/**
 * Runs a scripted session against the MCP endpoint `url` with `key` as the bearer
 * token, then checks the events `output()` holds: each request carries its own
 * `X-Request-Id` and the same `traceparent`, so its event can be found and checked.
 * `subject` is the identity the key verifies as.
 */
export async function scriptedSession({ url, key, subject, output }) {
  const run = `${Date.now().toString(36)}`;
  const post = async (n, body) => {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${key}`,
        traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01`,
        "x-request-id": `log-${run}-${n}`,
      },
      body: JSON.stringify(body),
    });
    assert.equal(res.headers.get("x-request-id"), `log-${run}-${n}`, "the request id comes back");
    return { status: res.status, text: await res.text() };
  };
  const call = (id, name, args) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
  const steps = [
    [{ jsonrpc: "2.0", id: 1, method: "tools/list" }, { method: "tools/list", outcome: "ok" }],
    [call(2, "kv_get", { key: "log-scenario" }), { method: "tools/call", target: "kv_get", outcome: "ok" }],
    [call(3, "kv_get", { key: 7 }), { method: "tools/call", target: "kv_get", outcome: "tool_error" }],
    [{ jsonrpc: "2.0", id: 4, method: "no/such" }, { method: "no/such", outcome: "error", code: -32601, level: "warn" }],
    [{ jsonrpc: "2.0", method: "notifications/initialized" }, { method: "notifications/initialized", outcome: "accepted" }],
  ];
  const answers = [];
  for (const [i, [body]] of steps.entries()) answers.push(await post(i + 1, body));

  // Hosts may write their lines a moment after answering.
  let events = [];
  for (let tries = 0; tries < 50; tries++) {
    events = logEvents(output()).filter((e) => e.request_id?.startsWith(`log-${run}-`));
    if (events.length >= steps.length) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(events.length, steps.length, `one event per message, got ${JSON.stringify(events, null, 1)}`);
  for (const [i, [, expected]] of steps.entries()) {
    const event = events.find((e) => e.request_id === `log-${run}-${i + 1}`);
    const what = `event ${i + 1} (${expected.method})`;
    assert.ok(event, `${what} is logged`);
    assertCommonFields(event);
    assert.equal(event.trace_id, TRACE_ID, `${what}: the caller's trace id is kept`);
    assert.notEqual(event.span_id, PARENT_SPAN, `${what}: the server's span is its own`);
    assert.equal(event.protocol_version, "2025-11-25", `${what}: protocol_version`);
    assert.equal(event.subject, subject, `${what}: subject`);
    assert.equal(event.level, expected.level ?? "info", `${what}: level`);
    for (const [field, value] of Object.entries(expected)) {
      if (field !== "level") assert.equal(event[field], value, `${what}: ${field}`);
    }
    if (expected.outcome === "accepted") {
      assert.equal(answers[i].status, 202, `${what}: answered 202`);
    } else {
      assert.equal(event.http_status, answers[i].status, `${what}: http_status`);
      assert.equal(event.response_bytes, Buffer.byteLength(answers[i].text), `${what}: response_bytes`);
    }
    assert.equal(event.arguments, undefined, `${what}: arguments are not logged by default`);
  }
  assert.ok(!output().includes(key), "the bearer key appears nowhere in the output");
}
