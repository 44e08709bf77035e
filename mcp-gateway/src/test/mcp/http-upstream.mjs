// An MCP server on Streamable HTTP (official TypeScript SDK, stateful sessions), for the gateway's url:
// upstreams. It answers only requests that carry "Authorization: Bearer $UPSTREAM_TOKEN", keeps one list of
// lines for all sessions (so a test can count how often a call ran), and prints the port it listens on.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { z } from "zod";

const lines = [];
const sessions = {};

function server() {
  const mcp = new McpServer({ name: "http-upstream", version: "1.0.0" });
  const readOnly = { readOnlyHint: true, openWorldHint: false };
  mcp.registerTool("echo", { description: "Echoes its text.", inputSchema: { text: z.string() }, annotations: readOnly },
    async ({ text }) => ({ content: [{ type: "text", text: "echo over http: " + text }] }));
  mcp.registerTool("append", { description: "Appends a line to the server's list.", inputSchema: { line: z.string() },
    annotations: { readOnlyHint: false, destructiveHint: true } },
    async ({ line }) => { lines.push(line); return { content: [{ type: "text", text: "appended: " + line }] }; });
  mcp.registerTool("lines", { description: "The lines appended so far.", inputSchema: {}, annotations: readOnly },
    async () => ({ content: [{ type: "text", text: JSON.stringify(lines) }] }));
  return mcp;
}

const listener = http.createServer(async (request, response) => {
  if (request.headers.authorization !== "Bearer " + process.env.UPSTREAM_TOKEN) {
    response.writeHead(401, { "content-type": "text/plain" }).end("a bearer token is needed");
    return;
  }
  if (new URL(request.url, "http://localhost").pathname !== "/mcp") {
    response.writeHead(404, { "content-type": "text/plain" }).end("MCP is served at /mcp");
    return;
  }
  let body;
  if (request.method === "POST") {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }
  let transport = sessions[request.headers["mcp-session-id"]];
  if (!transport) {
    if (request.method !== "POST" || !isInitializeRequest(body)) {
      response.writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "no such session" }, id: null }));
      return;
    }
    transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => { sessions[id] = transport; } });
    transport.onclose = () => { delete sessions[transport.sessionId]; };
    await server().connect(transport);
  }
  await transport.handleRequest(request, response, body);
});
listener.listen(0, "127.0.0.1", () => console.log("listening on " + listener.address().port));
