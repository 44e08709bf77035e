package io.countersign.api;

import io.countersign.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Writes JSON answers, including the one error shape: {@code {"error": {"code", "field", "message"}}}. */
public final class JsonResponses {
    private JsonResponses() {
    }

    public static void send(ServerResponse response, Status status, JsonNode body) {
        response.status(status);
        response.header(HeaderValues.CONTENT_TYPE_JSON);
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        response.send(Json.bytes(body));
    }

    /** Countersign's one error shape: {@code {"error": {"code", "field" (when one is at fault), "message"}}}. */
    public static ObjectNode error(String code, String field, String message) {
        return io.countersign.json.ErrorBody.of(code, field, message);
    }

    public static void sendError(ServerResponse response, Status status, String code, String field, String message) {
        send(response, status, error(code, field, message));
    }

    /** An error caused by a policy rule rather than by a field: names the rule. */
    static void sendRuleError(ServerResponse response, Status status, String code, String rule, String message) {
        ObjectNode body = error(code, null, message);
        ((ObjectNode) body.get("error")).put("rule", rule);
        send(response, status, body);
    }
}
