package io.countersign.json;

import tools.jackson.databind.node.ObjectNode;

/**
 * The body of every refusal Countersign answers, from the API and from the MCP gateway's HTTP endpoint alike:
 * {@code {"error": {"code": "missing_field", "field": "intent.summary", "message": "..."}}}.
 */
public final class ErrorBody {
    private ErrorBody() {
    }

    /** @param field the request field at fault, or null */
    public static ObjectNode of(String code, String field, String message) {
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        if (field != null) {
            error.put("field", field);
        }
        error.put("message", message);
        return body;
    }
}
