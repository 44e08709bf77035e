package io.countersign.mcp;

import io.countersign.json.Json;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON-RPC 2.0 as MCP uses it (one object per message, no batches): what a line is, and the messages
 * the gateway writes. Ids are strings or integers; MCP forbids null ids on requests.
 */
final class JsonRpc {
    private JsonRpc() {
    }

    /** One line, read. */
    sealed interface Message {
    }

    record Request(JsonNode id, String method, JsonNode params) implements Message {
    }

    record Notification(String method, JsonNode params) implements Message {
    }

    record Response(JsonNode id, JsonNode result, JsonNode error) implements Message {
    }

    /** A line that is no JSON-RPC message: answered with this error, to {@code id} when one could be read. */
    record Invalid(JsonNode id, int code, String message) implements Message {
    }

    static Message read(byte[] line) {
        JsonNode message;
        try {
            message = Json.parse(line);
        } catch (RuntimeException e) {
            return new Invalid(null, ErrorCodes.PARSE_ERROR, "Parse error: the line is not JSON (" + e.getMessage() + ")");
        }
        if (!message.isObject()) {
            return new Invalid(null, ErrorCodes.INVALID_REQUEST,
                    "Invalid Request: expected one JSON-RPC 2.0 object per line (batches are not part of MCP)");
        }
        JsonNode id = message.get("id");
        boolean validId = isId(id);
        JsonNode replyTo = validId ? id : null;
        if (!McpSchema.JSONRPC_VERSION.equals(message.path("jsonrpc").asString(""))) {
            return new Invalid(replyTo, ErrorCodes.INVALID_REQUEST, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
        }
        JsonNode method = message.get("method");
        if (method != null) {
            if (!method.isString()) {
                return new Invalid(replyTo, ErrorCodes.INVALID_REQUEST, "Invalid Request: \"method\" must be a string");
            }
            JsonNode params = message.get("params");
            if (params != null && !params.isObject()) {
                return new Invalid(replyTo, ErrorCodes.INVALID_REQUEST, "Invalid Request: \"params\" must be an object");
            }
            if (id == null) {
                return new Notification(method.asString(), params);
            }
            if (!validId) {
                return new Invalid(null, ErrorCodes.INVALID_REQUEST, "Invalid Request: \"id\" must be a string or an integer");
            }
            return new Request(id, method.asString(), params);
        }
        if (validId && (message.has("result") || message.get("error") instanceof ObjectNode)) {
            return new Response(id, message.get("result"), message.get("error"));
        }
        return new Invalid(replyTo, ErrorCodes.INVALID_REQUEST,
                "Invalid Request: a JSON-RPC 2.0 message needs a method (or a result or error with an id)");
    }

    static ObjectNode request(long id, String method, JsonNode params) {
        ObjectNode message = notification(method, params);
        message.put("id", id);
        return message;
    }

    static ObjectNode notification(String method, JsonNode params) {
        ObjectNode message = envelope();
        message.put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        return message;
    }

    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode message = envelope();
        message.set("id", id);
        message.set("result", result);
        return message;
    }

    static ObjectNode error(JsonNode id, int code, String text) {
        ObjectNode message = envelope();
        message.set("id", id == null ? Json.MAPPER.nullNode() : id);
        ObjectNode error = message.putObject("error");
        error.put("code", code);
        error.put("message", text);
        return message;
    }

    private static ObjectNode envelope() {
        ObjectNode message = Json.object();
        message.put("jsonrpc", McpSchema.JSONRPC_VERSION);
        return message;
    }

    /** What can name a request here: a string or an integer (MCP allows no other id). */
    static boolean isId(JsonNode id) {
        return id != null && (id.isString() || id.isIntegralNumber());
    }
}
