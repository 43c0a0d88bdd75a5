// The official MCP TypeScript SDK's Worker with the benchmark's two tools (`echo`, `add`),
// stateless with JSON answers, as the SDK documents for Cloudflare Workers: a server and
// a transport per request. scripts/bench bundles it with esbuild and serves it on bare
// workerd beside the edgemcp Worker (benches/worker).
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import * as z from "zod/v4";

function server() {
  const mcp = new McpServer({ name: "bench-ts-worker", version: "0.1.0" });
  mcp.registerTool(
    "echo",
    { description: "Returns its text.", inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  mcp.registerTool(
    "add",
    { description: "Adds two integers.", inputSchema: { a: z.number().int(), b: z.number().int() }, annotations: { readOnlyHint: true } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  return mcp;
}

export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== "/mcp") return new Response("Not found", { status: 404 });
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await server().connect(transport);
    return transport.handleRequest(request);
  },
};
