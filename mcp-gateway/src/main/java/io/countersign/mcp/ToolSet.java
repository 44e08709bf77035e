package io.countersign.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The tools an MCP server offers, whatever carries its messages: what {@code tools/list} shows and {@code tools/call} runs. */
interface ToolSet {
    List<McpSchema.Tool> list();

    /**
     * Runs one call; blocks (on a virtual thread) while it is held for approval.
     *
     * @param cancellation set when the agent cancels the call: one not yet forwarded then never is
     * @return a {@code CallToolResult} as JSON: what the upstream answered, or the gateway's own answer
     * @throws UnknownTool when no offered tool has that name
     */
    ObjectNode call(String name, JsonNode arguments, Cancellation cancellation);

    /** A call to a tool that is not offered: a JSON-RPC error (invalid params), as MCP asks, not a tool result. */
    final class UnknownTool extends RuntimeException {
        UnknownTool(String name) {
            super("Unknown tool: " + name);
        }
    }
}
