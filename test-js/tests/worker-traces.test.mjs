// The Worker's traces under `wrangler dev`: with OTEL_EXPORTER_OTLP_ENDPOINT set, the
// spans of a request reach an OTLP/HTTP receiver on loopback after the response (sent in
// `waitUntil`), linked request → message → tool → storage call, in the caller's trace.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort, postToolCall, startDevWorker, stop } from "./helpers.mjs";

const state = mkdtempSync(join(tmpdir(), "edgemcp-worker-traces-"));
const TRACE = "5b8efff798038103d269b633813fc60c";
const CALLER_SPAN = "eee19b7ec3c1b174";
const exports = [];
let receiver;
let base;
let worker;

before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      exports.push({ path: req.url, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const vars = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.address().port}`,
    OTEL_SERVICE_NAME: "edge-orders",
    OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=k%3D1",
  };
  worker = await startDevWorker(port, state, { vars });
});

after(async () => {
  await stop(worker);
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(state, { recursive: true, force: true });
});

/** Every exported span, with its resource's attributes. */
function spans() {
  return exports.flatMap(({ body }) =>
    body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, resource: rs.resource })))),
  );
}

test("a tool call's spans reach the OTLP receiver, linked, in the caller's trace", async () => {
  const res = await postToolCall(
    base,
    "sql_query",
    { query: "SELECT count(*) AS n FROM customers" },
    { traceparent: `00-${TRACE}-${CALLER_SPAN}-01` },
  );
  assert.equal(res.status, 200);
  const { result } = await res.json();
  assert.equal(result.structuredContent.rows[0][0], 50);

  const found = await eventually(() => spans().find((s) => s.name === "sql query"), 15_000);
  assert.ok(found, `spans arrived: ${JSON.stringify(spans().map((s) => s.name))}`);
  const byName = Object.fromEntries(spans().filter((s) => s.traceId === TRACE).map((s) => [s.name, s]));
  const request = byName["POST /mcp"];
  const message = byName["tools/call sql_query"];
  const tool = byName["execute_tool sql_query"];
  const store = byName["sql query"];
  for (const span of [request, message, tool, store]) assert.ok(span, JSON.stringify(Object.keys(byName)));
  assert.equal(request.parentSpanId, CALLER_SPAN);
  assert.equal(message.parentSpanId, request.spanId);
  assert.equal(tool.parentSpanId, message.spanId);
  assert.equal(store.parentSpanId, tool.spanId);
  assert.equal(request.kind, 2);
  assert.deepEqual(request.attributes.find((a) => a.key === "http.response.status_code").value, { intValue: "200" });
  assert.deepEqual(store.resource.attributes[0], { key: "service.name", value: { stringValue: "edge-orders" } });
  assert.equal(exports[0].path, "/v1/traces");
  assert.equal(exports[0].headers["x-collector-key"], "k=1");
  assert.equal(exports[0].headers["content-type"], "application/json");
});
