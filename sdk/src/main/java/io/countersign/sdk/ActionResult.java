package io.countersign.sdk;

import java.util.Map;

/**
 * The server's view of one action request.
 *
 * @param status {@code allowed, denied, pending, approved, expired, cancelled, executed, failed}
 * @param json   the whole answer, parsed, for anything this record does not name
 */
public record ActionResult(String id, String status, String digest, Map<String, Object> json) {
    static ActionResult of(Map<String, Object> json) {
        return new ActionResult((String) json.get("id"), (String) json.get("status"), (String) json.get("digest"), json);
    }

    /** Whether the action may run now. */
    public boolean mayRun() {
        return status.equals("allowed") || status.equals("approved");
    }

    public boolean isPending() {
        return status.equals("pending");
    }

    /** Why policy denied it (the deciding rule's reason), or null when it was not denied. */
    @SuppressWarnings("unchecked")
    public String denialReason() {
        return status.equals("denied") && json.get("decision") instanceof Map<?, ?> decision
                ? (String) ((Map<String, Object>) decision).get("reason") : null;
    }

    /** The deny rule that decided, or null when it was not denied or the policy's default denied it. */
    @SuppressWarnings("unchecked")
    public String denyingRule() {
        return status.equals("denied") && json.get("decision") instanceof Map<?, ?> decision
                ? (String) ((Map<String, Object>) decision).get("rule") : null;
    }

    /** The grant token to run this action with (its requester gets one while it may run), or null. */
    @SuppressWarnings("unchecked")
    public String grant() {
        return json.get("grant") instanceof Map<?, ?> grant ? (String) ((Map<String, Object>) grant).get("token") : null;
    }

    /** What the connector returned when Countersign ran the action (proxy mode); empty otherwise. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> result() {
        return json.get("result") instanceof Map<?, ?> result ? (Map<String, Object>) result : Map.of();
    }

    /** Whether the action ran and its outcome was success. */
    public boolean succeeded() {
        return status.equals("executed") && !"failed".equals(result().get("outcome"));
    }
}
