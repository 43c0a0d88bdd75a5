// A to-do list as an MCP server, written in JavaScript on the npm package `edgemcp`
// (build it with scripts/build-bindings, then `npm install` here) and served by Node on
// http://127.0.0.1:$PORT/mcp (default 3000). On a fetch-style host (Deno, Bun, a Worker,
// a service worker) the host is one line: `Deno.serve((request) => server.handle(request))`.
import { createServer } from "node:http";
import { McpServer } from "edgemcp";

const todos = new Map();
let nextId = 1;

const server = new McpServer({ name: "example-js-server", version: "0.1.0", instructions: "A to-do list: add_todo, list_todos, complete_todo." });

server.tool(
  "add_todo",
  {
    description: "Adds a to-do item.",
    inputSchema: { type: "object", properties: { title: { type: "string", minLength: 1, description: "What to do." } }, required: ["title"] },
    outputSchema: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] },
  },
  ({ title }) => {
    const id = nextId++;
    todos.set(id, { id, title, done: false });
    return { id };
  },
);

server.tool(
  "list_todos",
  {
    description: "Lists the to-do items, open ones only unless `all` is true.",
    inputSchema: { type: "object", properties: { all: { type: "boolean" } } },
    annotations: { readOnlyHint: true },
  },
  ({ all = false }) => [...todos.values()].filter((todo) => all || !todo.done).map((todo) => `${todo.id}. ${todo.done ? "[x]" : "[ ]"} ${todo.title}`).join("\n") || "Nothing to do.",
);

server.tool(
  "complete_todo",
  {
    description: "Marks a to-do item done.",
    inputSchema: { type: "object", properties: { id: { type: "integer" } }, required: ["id"] },
    annotations: { idempotentHint: true },
  },
  ({ id }) => {
    const todo = todos.get(id);
    // `expose: true`: the model reads this message and can list the items first.
    if (!todo) throw Object.assign(new Error(`No to-do item ${id}; list them first.`), { expose: true });
    todo.done = true;
    return `Done: ${todo.title}`;
  },
);

/** Node's request as a fetch `Request`, and the `Response` back onto Node's. */
const http = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers: req.headers,
    body: hasBody ? Buffer.concat(chunks) : undefined,
  });
  const response = await server.handle(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});

const port = Number(process.env.PORT ?? 3000);
http.listen(port, "127.0.0.1", () => console.error(`example-js-server on http://127.0.0.1:${port}/mcp`));
process.on("SIGTERM", () => http.close(() => process.exit(0)));
