package io.countersign.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One live connection to an upstream MCP server, initialized: a command on stdio ({@link StdioUpstream})
 * or a Streamable HTTP URL ({@link HttpUpstream}). How a call failed says whether trying again is safe:
 * only a call that never left the gateway ({@link NotSent}) may be sent again on a fresh connection; one
 * that was out when the connection broke ({@link Lost}) may have run.
 */
sealed interface UpstreamConnection extends AutoCloseable permits StdioUpstream, HttpUpstream {
    McpSchema.ListToolsResult listTools(String cursor);

    /**
     * The upstream's {@code CallToolResult}, as it sent it.
     *
     * @param cancellation when the agent cancels, the upstream is told to stop ({@link Cancelled}), where
     *                     the transport can carry it (on stdio; the SDK's HTTP client does not)
     */
    ObjectNode callTool(String name, JsonNode arguments, Cancellation cancellation);

    @Override
    void close();

    /** The upstream answered with a JSON-RPC error: it is fine, the request was not. */
    final class Refused extends RuntimeException {
        Refused(int code, String message) {
            super(message + " (JSON-RPC error " + code + ")");
        }
    }

    /** The connection was gone before the request went out: the upstream never saw it. */
    final class NotSent extends RuntimeException {
        NotSent(String why, Throwable cause) {
            super(why, cause);
        }
    }

    /** The connection broke while the request was out: it may have run. */
    final class Lost extends RuntimeException {
        Lost(String why, Throwable cause) {
            super(why, cause);
        }
    }

    /**
     * The agent cancelled the call while it was out, and the upstream was told so (MCP "Cancellation"); it
     * may have run in part. The connection is fine: an upstream does not answer a cancelled request.
     */
    final class Cancelled extends RuntimeException {
        Cancelled(String why) {
            super(why);
        }
    }

    /** No answer in time (the connection is no longer trusted, and is closed by its owner). */
    final class TimedOut extends RuntimeException {
        TimedOut(String why, Throwable cause) {
            super(why, cause);
        }
    }
}
