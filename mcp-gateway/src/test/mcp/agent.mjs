// An agent built on the official TypeScript MCP SDK, talking to `countersign mcp` over stdio or Streamable HTTP.
// It runs the steps named on the command line and prints one JSON line per step; the Java test
// (McpGatewayTest) plays the reviewers between steps through Countersign's API.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import readline from "node:readline";

const env = process.env;
// GATEWAY_URL: a gateway already serving Streamable HTTP (sent the agent's key, as it asks); otherwise start one on stdio.
const transport = env.GATEWAY_URL
  ? new StreamableHTTPClientTransport(new URL(env.GATEWAY_URL),
      { requestInit: { headers: { Authorization: "Bearer " + env.COUNTERSIGN_TOKEN } } })
  : new StdioClientTransport({
      command: env.GATEWAY_JAVA,
      args: ["-cp", env.GATEWAY_CLASSPATH, "io.countersign.cli.Main", "mcp", "--config", env.GATEWAY_CONFIG],
      env: { ...env },
      stderr: "inherit",
    });
const client = new Client({ name: "test-agent", version: "1.0.0" });
await client.connect(transport);

function text(result) {
  return (result.content || []).filter((c) => c.type === "text").map((c) => c.text).join("\n");
}

// Steps come one per line on stdin, as JSON: {"op":"list"}, {"op":"call","tool":..,"arguments":{..}}, or
// {"op":"cancel","tool":..,"arguments":{..},"after":ms}.
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  const step = JSON.parse(line);
  let out;
  try {
    if (step.op === "list") {
      const listed = await client.listTools();
      out = { tools: listed.tools.map((t) => ({ name: t.name, annotations: t.annotations || {} })) };
    } else if (step.op === "call") {
      const result = await client.callTool({ name: step.tool, arguments: step.arguments }, undefined, { timeout: 120000 });
      out = { isError: result.isError === true, text: text(result), meta: result._meta || {} };
    } else if (step.op === "cancel") {
      // A call the user gives up on: after `after` ms the SDK sends notifications/cancelled for it.
      const controller = new AbortController();
      setTimeout(() => controller.abort("the user gave up"), step.after);
      try {
        await client.callTool({ name: step.tool, arguments: step.arguments }, undefined, { signal: controller.signal, timeout: 120000 });
        out = { cancelled: false };
      } catch (e) {
        out = { cancelled: controller.signal.aborted, exception: String(e && e.message ? e.message : e) };
      }
    } else if (step.op === "quit") {
      break;
    }
  } catch (e) {
    out = { exception: String(e && e.message ? e.message : e), code: e && e.code };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
await client.close();
// stdin may still be open (the test keeps its end); nothing is left to do.
process.exit(0);
