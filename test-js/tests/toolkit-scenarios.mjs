// Toolkit scenarios every host must pass, driven through the official MCP TypeScript SDK
// client. Each host's test file connects a client and calls these.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { sameOverHandleMessage } from "./helpers.mjs";

/** The SQL statement corpus every host's engine is held to, templates expanded. */
export function sqlCorpus() {
  const file = new URL("../../core/tests/corpus/sql-statements.json", import.meta.url);
  const corpus = JSON.parse(readFileSync(file, "utf8"));
  const expand = (sql) => sql.replace(/\{\{(.*?)\*(\d+)\}\}/gs, (_, text, times) => text.repeat(Number(times)));
  return {
    refused: corpus.refused.map((entry) => ({ ...entry, sql: expand(entry.sql) })),
    accepted: corpus.accepted.map((entry) => (typeof entry === "string" ? { sql: entry, params: [] } : entry)),
  };
}

/** Calls a tool and returns its result, failing on protocol errors. */
export async function call(client, name, args) {
  return client.callTool({ name, arguments: args });
}

/** Asserts a tool result is an error whose text matches `pattern`. */
export function assertToolError(result, pattern, what) {
  assert.equal(result.isError, true, `${what}: expected isError, got ${JSON.stringify(result)}`);
  assert.match(result.content[0].text, pattern, what);
}

export async function listsEveryTool(client) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  assert.deepEqual(names, [
    "blob_delete", "blob_get", "blob_head", "blob_list", "blob_put",
    "kv_delete", "kv_get", "kv_list", "kv_put",
    "sql_describe_table", "sql_export", "sql_list_tables", "sql_query",
  ]);
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  for (const name of ["sql_query", "sql_list_tables", "kv_get", "kv_list", "blob_get", "blob_list", "blob_head"]) {
    assert.equal(byName[name].annotations.readOnlyHint, true, `${name} is read-only`);
  }
  for (const name of ["kv_put", "kv_delete", "blob_put", "blob_delete"]) {
    assert.equal(byName[name].annotations.readOnlyHint, false, `${name} writes`);
    assert.equal(byName[name].annotations.destructiveHint, true, `${name} overwrites or deletes`);
  }
  assert.equal(byName.sql_query.outputSchema.type, "object");
}

/**
 * Every input and output schema the server lists compiles under AJV's strict mode for
 * JSON Schema 2020-12 (with the standard formats): no unknown keyword or format, so
 * clients that validate with AJV (the TypeScript SDK, the Inspector) print no warning.
 */
export async function schemasPassAStrictValidator(client) {
  const { default: Ajv2020 } = await import("ajv/dist/2020.js");
  const { default: addFormats } = await import("ajv-formats");
  const { tools } = await client.listTools();
  const warnings = [];
  const ajv = new Ajv2020({ strict: true, logger: { log() {}, warn: (w) => warnings.push(w), error: (e) => warnings.push(e) } });
  addFormats(ajv);
  for (const tool of tools) {
    for (const [which, schema] of [["input", tool.inputSchema], ["output", tool.outputSchema]]) {
      if (!schema) continue;
      assert.doesNotThrow(() => ajv.compile(schema), `${tool.name} ${which} schema under strict AJV`);
    }
  }
  assert.deepEqual(warnings, [], "no warning from strict AJV");
}

export async function sqlReadsTheSampleStore(client) {
  const tables = await call(client, "sql_list_tables", {});
  const names = tables.structuredContent.tables.map((t) => t.name);
  for (const t of ["customers", "order_items", "order_totals", "orders", "products"]) assert.ok(names.includes(t), t);
  assert.ok(!names.includes("d1_migrations"), "the migrations ledger is hidden");

  const described = await call(client, "sql_describe_table", { table: "customers" });
  const columns = described.structuredContent.columns.map((c) => c.name);
  assert.deepEqual(columns, ["id", "name", "email", "city", "created_at"]);
  assert.equal(described.structuredContent.columns[0].primary_key, 1);
  assertToolError(await call(client, "sql_describe_table", { table: "nope" }), /No table is named "nope"/, "unknown table");

  const one = await call(client, "sql_query", { query: "SELECT id, name FROM customers WHERE id = ?1", params: [7] });
  assert.equal(one.isError, undefined, JSON.stringify(one));
  assert.deepEqual(one.structuredContent.columns, ["id", "name"]);
  assert.equal(one.structuredContent.row_count, 1);
  assert.equal(one.structuredContent.rows[0][0], 7);
  assert.equal(one.structuredContent.truncated, false);
  assert.match(one.content[0].text, /^id \| name/);

  const joined = await call(client, "sql_query", {
    query: "WITH big AS (SELECT order_id, total_cents FROM order_totals WHERE total_cents > ?1) SELECT COUNT(*) AS n FROM big",
    params: [1000],
  });
  assert.equal(joined.structuredContent.columns[0], "n");
  assert.ok(joined.structuredContent.rows[0][0] > 0);
}

export async function sqlCapsRowsAndPages(client) {
  // 301 order lines; the server's page is 100 whatever the query's own LIMIT says.
  const first = await call(client, "sql_query", { query: "SELECT id FROM order_items ORDER BY id LIMIT 1000" });
  assert.equal(first.structuredContent.row_count, 100);
  assert.equal(first.structuredContent.truncated, true);
  assert.ok(first.structuredContent.next_cursor);
  const seen = first.structuredContent.rows.map((r) => r[0]);
  let cursor = first.structuredContent.next_cursor;
  while (cursor) {
    const page = await call(client, "sql_query", { query: "SELECT id FROM order_items ORDER BY id LIMIT 1000", cursor });
    seen.push(...page.structuredContent.rows.map((r) => r[0]));
    cursor = page.structuredContent.next_cursor;
  }
  assert.equal(seen.length, 301);
  assert.equal(new Set(seen).size, 301, "pages neither repeat nor skip rows");
  const small = await call(client, "sql_query", { query: "SELECT id FROM products", limit: 5 });
  assert.equal(small.structuredContent.row_count, 5);
  const huge = await call(client, "sql_query", { query: "SELECT id FROM order_items", limit: 100000 });
  assert.equal(huge.structuredContent.row_count, 100, "a caller cannot raise the cap");
  assertToolError(
    await call(client, "sql_query", { query: "SELECT id FROM products", cursor: first.structuredContent.next_cursor }),
    /does not belong to this query/,
    "a cursor from another query",
  );
}

export async function sqlRefusesWhatIsNotOneRead(client) {
  const refused = [
    ["DELETE FROM customers", /DELETE/i],
    ["UPDATE products SET stock = 0", /UPDATE/i],
    ["INSERT INTO customers (name) VALUES ('x')", /INSERT/i],
    ["DROP TABLE customers", /DROP/i],
    ["CREATE TABLE t (x)", /CREATE/i],
    ["ALTER TABLE customers ADD COLUMN x", /ALTER/i],
    ["PRAGMA table_info(customers)", /PRAGMA/i],
    ["ATTACH DATABASE 'x.db' AS x", /ATTACH/i],
    ["VACUUM", /VACUUM/i],
    ["SELECT 1; DROP TABLE customers", /one statement/i],
    ["SELECT 1;-- comment\nDELETE FROM customers", /one statement|DELETE/i],
    ["/* SELECT */ DELETE FROM customers", /DELETE/i],
    ["WITH x AS (SELECT 1) DELETE FROM customers", /DELETE/i],
    ["SELECT load_extension('evil')", /load_extension/i],
    ["SELECT 'unterminated", /unterminated|string/i],
    ["", /empty/i],
  ];
  for (const [query, pattern] of refused) {
    assertToolError(await call(client, "sql_query", { query }), pattern, `refuses ${JSON.stringify(query)}`);
  }
  // Keywords inside strings, comments and quoted identifiers are data, not statements.
  const fine = await call(client, "sql_query", {
    query: "SELECT 'DROP TABLE customers; DELETE' AS \"delete\" -- ; UPDATE\n FROM customers LIMIT 1",
  });
  assert.equal(fine.isError, undefined, JSON.stringify(fine));
  assert.equal(fine.structuredContent.rows[0][0], "DROP TABLE customers; DELETE");
  // Values are bound, never spliced: an injection attempt is just a string that matches nothing.
  const injected = await call(client, "sql_query", {
    query: "SELECT COUNT(*) FROM customers WHERE name = ?1",
    params: ["x' OR '1'='1"],
  });
  assert.equal(injected.structuredContent.rows[0][0], 0);
  const bad = await call(client, "sql_query", { query: "SELECT * FROM no_such_table" });
  assert.equal(bad.isError, true);
  assertToolError(await call(client, "sql_query", { query: "SELECT ?1", params: [{ a: 1 }] }), /params\[0\]/, "object param");
}

/** Every statement of the corpus: the refused ones refused with a reason, the accepted ones run. */
export async function sqlHoldsTheCorpus(client) {
  const { refused, accepted } = sqlCorpus();
  for (const entry of refused) {
    assertToolError(await call(client, "sql_query", { query: entry.sql }), /refused/, `[${entry.class}] ${JSON.stringify(entry.sql.slice(0, 80))}`);
  }
  for (const entry of accepted) {
    const result = await call(client, "sql_query", { query: entry.sql, params: entry.params });
    assert.equal(result.isError, undefined, `${entry.sql}: ${JSON.stringify(result)}`);
    assert.ok(Array.isArray(result.structuredContent.columns), entry.sql);
  }
}

/**
 * The result budget: values too large for any page are refused with what to change, many
 * medium rows are paged by bytes with a cursor that resumes exactly, and the server lives on.
 */
export async function sqlBoundsResultsInBytes(client) {
  for (const query of ["SELECT zeroblob(999999999) FROM order_items", "SELECT randomblob(1000000000)"]) {
    const result = await call(client, "sql_query", { query });
    assert.equal(result.isError, true, `${query}: ${JSON.stringify(result).slice(0, 300)}`);
  }
  // About 1 MB a row against the 4 MiB default budget: a few rows a page.
  const query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12) " +
    "SELECT i, hex(zeroblob(500000)) AS filler FROM n";
  const seen = [];
  let cursor;
  let pages = 0;
  do {
    const page = await call(client, "sql_query", cursor ? { query, cursor } : { query });
    assert.equal(page.isError, undefined, JSON.stringify(page).slice(0, 300));
    const rows = page.structuredContent.rows;
    assert.ok(rows.length >= 1 && rows.length <= 4, `${rows.length} rows of 1 MB on one page`);
    seen.push(...rows.map((r) => r[0]));
    cursor = page.structuredContent.next_cursor ?? undefined;
    assert.equal(page.structuredContent.truncated, cursor !== undefined);
    pages += 1;
  } while (cursor);
  assert.ok(pages >= 3, `${pages} pages`);
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i + 1));
  const after = await call(client, "sql_query", { query: "SELECT count(*) FROM customers" });
  assert.equal(after.isError, undefined);
}

export async function sqlSchemaResources(client) {
  const tables = await client.readResource({ uri: "sql://tables" });
  const list = JSON.parse(tables.contents[0].text);
  assert.ok(list.some((t) => t.name === "orders"));
  const orders = await client.readResource({ uri: "sql://tables/orders" });
  assert.equal(JSON.parse(orders.contents[0].text).columns[1].name, "customer_id");
  await assert.rejects(client.readResource({ uri: "sql://tables/nope" }), /Resource not found/);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.equal(resourceTemplates[0].uriTemplate, "sql://tables/{table}");
}

export async function kvRoundTrip(client, prefix) {
  const key = `${prefix}/greeting`;
  const put = await call(client, "kv_put", { key, value: "hello", metadata: { lang: "en" } });
  assert.equal(put.isError, undefined, JSON.stringify(put));
  const got = await call(client, "kv_get", { key });
  assert.equal(got.structuredContent.found, true);
  assert.equal(got.structuredContent.value, "hello");
  assert.equal(got.structuredContent.encoding, "utf8");
  assert.deepEqual(got.structuredContent.metadata, { lang: "en" });
  await call(client, "kv_put", { key: `${prefix}/bin`, value: "AAEC/w==", encoding: "base64" });
  const bin = await call(client, "kv_get", { key: `${prefix}/bin` });
  assert.equal(bin.structuredContent.encoding, "base64");
  assert.equal(bin.structuredContent.value, "AAEC/w==");
  await call(client, "kv_put", { key: `${prefix}/ttl`, value: "soon gone", ttl_seconds: 3600 });
  const listed = await call(client, "kv_list", { prefix: `${prefix}/` });
  assert.deepEqual(listed.structuredContent.keys.map((k) => k.key), [`${prefix}/bin`, `${prefix}/greeting`, `${prefix}/ttl`]);
  const paged = await call(client, "kv_list", { prefix: `${prefix}/`, limit: 2 });
  assert.equal(paged.structuredContent.keys.length, 2);
  assert.ok(paged.structuredContent.cursor);
  const rest = await call(client, "kv_list", { prefix: `${prefix}/`, limit: 2, cursor: paged.structuredContent.cursor });
  assert.deepEqual(rest.structuredContent.keys.map((k) => k.key), [`${prefix}/ttl`]);
  await call(client, "kv_delete", { key });
  const gone = await call(client, "kv_get", { key });
  assert.equal(gone.structuredContent.found, false);
}

export async function kvRefusesBadInput(client, { minTtl = 60 } = {}) {
  assertToolError(await call(client, "kv_put", { key: "", value: "x" }), /empty/, "empty key");
  assertToolError(await call(client, "kv_put", { key: "k".repeat(600), value: "x" }), /limit is 512/, "long key");
  assertToolError(await call(client, "kv_put", { key: "big", value: "x".repeat(300 * 1024) }), /limit is 262144/, "big value");
  assertToolError(await call(client, "kv_put", { key: "t", value: "x", ttl_seconds: minTtl - 1 }), new RegExp(`at least ${minTtl}`), "short ttl");
  assertToolError(await call(client, "kv_put", { key: "b", value: "%%%", encoding: "base64" }), /not valid base64/, "bad base64");
  assertToolError(await call(client, "kv_put", { key: 5, value: "x" }), /argument `key`: expected string, received number 5/, "wrong type");
  assertToolError(await call(client, "kv_put", { key: "m", value: "x", metadata: [1] }), /metadata must be a JSON object/, "array metadata");
  assertToolError(await call(client, "kv_get", {}), /argument `key`: required, but missing/, "missing key");
  assertToolError(await call(client, "kv_get", { key: "a", extra: 1 }), /unknown field/, "unknown field");
  await assert.rejects(call(client, "kv_nope", {}), /Unknown tool: kv_nope/);
}

export async function blobRoundTrip(client, prefix) {
  const text = await call(client, "blob_put", { key: `${prefix}/notes/readme.md`, content: "# Notes\n", content_type: "text/markdown" });
  assert.equal(text.isError, undefined, JSON.stringify(text));
  assert.equal(text.structuredContent.size, 8);
  const got = await call(client, "blob_get", { key: `${prefix}/notes/readme.md` });
  assert.equal(got.content[0].type, "resource");
  assert.equal(got.content[0].resource.text, "# Notes\n");
  assert.equal(got.content[0].resource.mimeType, "text/markdown");
  await call(client, "blob_put", { key: `${prefix}/img/dot.png`, content: "iVBORw0KGgo=", encoding: "base64", content_type: "image/png" });
  const png = await call(client, "blob_get", { key: `${prefix}/img/dot.png` });
  assert.equal(png.content[0].resource.blob, "iVBORw0KGgo=");
  assert.equal(png.content[0].resource.mimeType, "image/png");
  const head = await call(client, "blob_head", { key: `${prefix}/img/dot.png` });
  assert.equal(head.structuredContent.found, true);
  assert.equal(head.structuredContent.object.size, 8);
  assert.equal(head.structuredContent.object.content_type, "image/png");
  const listed = await call(client, "blob_list", { prefix: `${prefix}/` });
  assert.deepEqual(listed.structuredContent.objects.map((o) => o.key), [`${prefix}/img/dot.png`, `${prefix}/notes/readme.md`]);
  await call(client, "blob_delete", { key: `${prefix}/img/dot.png` });
  const after = await call(client, "blob_head", { key: `${prefix}/img/dot.png` });
  assert.equal(after.structuredContent.found, false);
  assertToolError(await call(client, "blob_get", { key: `${prefix}/img/dot.png` }), /No object has the key/, "missing object");
}

export async function blobRefusesBadKeysAndSizes(client) {
  for (const key of ["../escape", "a/../../etc/passwd", "/absolute", "a//b", "tab\there", "a/./b", "back\\slash"]) {
    assertToolError(await call(client, "blob_put", { key, content: "x" }), /is not allowed/, `key ${JSON.stringify(key)}`);
    assertToolError(await call(client, "blob_get", { key }), /is not allowed/, `get ${JSON.stringify(key)}`);
  }
  assertToolError(await call(client, "blob_put", { key: "big.bin", content: "x".repeat(600 * 1024) }), /limit is 524288/, "big object");
  assertToolError(await call(client, "blob_put", { key: "b.bin", content: "***", encoding: "base64" }), /not valid base64/, "bad base64");
  assertToolError(await call(client, "blob_put", { key: "e.bin", content: "x", encoding: "hex" }), /argument `encoding`: expected one of/, "bad encoding");
}

/** Writes data a later server on the same state must still see. */
export async function writeForRestart(client, prefix) {
  await call(client, "kv_put", { key: `${prefix}/survivor`, value: "still here" });
  await call(client, "blob_put", { key: `${prefix}/survivor.txt`, content: "me too", content_type: "text/plain" });
}

/** Reads back what `writeForRestart` wrote. */
export async function readAfterRestart(client, prefix) {
  const kv = await call(client, "kv_get", { key: `${prefix}/survivor` });
  assert.equal(kv.structuredContent.value, "still here");
  const blob = await call(client, "blob_get", { key: `${prefix}/survivor.txt` });
  assert.equal(blob.content[0].resource.text, "me too");
}

/** With a key granting `mcp:read` only: the read tools are listed and work, the write tools are hidden. */
export async function readOnlyKeySeesReadTools(client) {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name);
  assert.ok(names.includes("sql_query") && names.includes("kv_get"), names.join());
  assert.ok(!names.includes("kv_put") && !names.includes("sql_execute"), names.join());
  const rows = await call(client, "sql_query", { query: "SELECT count(*) FROM customers" });
  assert.equal(rows.structuredContent.rows[0][0], 50);
}

/** The challenges of a server at `base` whose read-only API key is `key`, and its metadata. */
export async function accessChallenges(base, key, messages) {
  // With `messages` (an npm McpServer serving `base`), each case is sent through its
  // handleMessage too, and must get what HTTP's body held.
  const post = async (token, body) => {
    const res = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "mcp-protocol-version": "2025-11-25",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (messages) await sameOverHandleMessage(messages, token, body, text, `${body.method} with key ${token}`);
    return { status: res.status, challenge: res.headers.get("www-authenticate") };
  };
  const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
  const none = await post(undefined, ping);
  assert.equal(none.status, 401);
  assert.equal(none.challenge, `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`);
  const wrong = await post("nope", ping);
  assert.equal(wrong.status, 401);
  assert.match(wrong.challenge, /error="invalid_token"/);
  const put = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "kv_put", arguments: { key: "k", value: "v" } } };
  const denied = await post(key, put);
  assert.equal(denied.status, 403);
  assert.match(denied.challenge, /error="insufficient_scope", .*scope="mcp:write"/);
  assert.equal((await post(key, ping)).status, 200);
  const inUrl = await fetch(`${base}/mcp?access_token=${key}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify(ping),
  });
  assert.equal(inUrl.status, 400);
  const metadata = await (await fetch(`${base}/.well-known/oauth-protected-resource/mcp`)).json();
  assert.equal(metadata.resource, `${base}/mcp`);
  assert.deepEqual(metadata.bearer_methods_supported, ["header"]);
}

/** The text of every message of a `prompts/get` result, joined. */
function promptText(result) {
  return result.messages.map((m) => m.content.text ?? m.content.resource?.text ?? "").join("\n");
}

/**
 * The toolkits' workflows through the SDK client's getPrompt: each gathers the sample
 * store's real rows, the KV value and the object written first (under `prefix`).
 */
export async function workflowsGatherTheRealData(client, prefix) {
  await call(client, "kv_put", { key: `${prefix}-wf/colour`, value: "teal" });
  await call(client, "blob_put", { key: `${prefix}-wf/report.csv`, content: "a,b\n", content_type: "text/csv" });
  const { prompts } = await client.listPrompts();
  const names = prompts.map((p) => p.name).sort();
  assert.deepEqual(names, ["blob_inventory", "explore_database", "inspect_table", "kv_inventory"]);
  assert.deepEqual(prompts.find((p) => p.name === "inspect_table").arguments.map((a) => [a.name, a.required]), [["table", true]]);

  const explored = promptText(await client.getPrompt({ name: "explore_database", arguments: {} }));
  for (const table of ["customers", "orders", "order_items", "products"]) {
    assert.match(explored, new RegExp(`Step \`samples\` \\(sql_query\\) for \`${table}\``), table);
  }
  const first = await call(client, "sql_query", { query: "SELECT name FROM customers ORDER BY id LIMIT 1" });
  assert.ok(explored.includes(first.structuredContent.rows[0][0]), "a real customer's name is in the prompt");

  const inspected = promptText(await client.getPrompt({ name: "inspect_table", arguments: { table: "customers" } }));
  assert.match(inspected, /row_count/);
  assert.match(inspected, /\b50\b/);
  const missing = await client.getPrompt({ name: "inspect_table", arguments: { table: "nope" } });
  assert.match(missing.messages.at(-1).content.text, /stopped at step `columns` \(sql_describe_table\), after 0 steps ran: No table is named "nope"/);

  const kv = promptText(await client.getPrompt({ name: "kv_inventory", arguments: { prefix: `${prefix}-wf/` } }));
  assert.match(kv, /teal/);
  const blobs = promptText(await client.getPrompt({ name: "blob_inventory", arguments: { prefix: `${prefix}-wf/` } }));
  assert.match(blobs, /report\.csv/);
  assert.match(blobs, /text\/csv/);
}

/** `/ready` at `base` with every store answering: 200, each store ok, each breaker closed. */
export async function readyReportsEveryStore(base) {
  const res = await fetch(`${base}/ready`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: "ready",
    stores: { sql: "ok", kv: "ok", blobs: "ok" },
    breakers: { sql: "closed", kv: "closed", blobs: "closed" },
  });
}
