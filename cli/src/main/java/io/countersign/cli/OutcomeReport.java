package io.countersign.cli;

import io.countersign.json.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * How running an action with its grant went, as {@code POST /v1/actions/{id}/outcome} takes it: the
 * one body every command that runs an action itself reports.
 */
public record OutcomeReport(String grant, boolean succeeded, String detail) {
    /** What the server keeps of a detail at most (it refuses more than 4,096 characters). */
    private static final int MAX_DETAIL = 4000;

    public ObjectNode json() {
        ObjectNode body = Json.object();
        body.put("grant", grant);
        body.put("status", succeeded ? "succeeded" : "failed");
        if (detail != null) {
            body.put("detail", detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail);
        }
        return body;
    }
}
