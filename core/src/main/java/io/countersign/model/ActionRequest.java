package io.countersign.model;


import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The scoped intent: everything a caller wants to do, stated explicitly. Only {@link #action()},
 * {@link #resource()} and {@link #payload()} are covered by the action digest ({@code io.countersign.json.ActionDigest}): they are what runs.
 * Intent and context are what the caller claims about it.
 *
 * @param payload        the exact thing to execute (SQL, argv, HTTP call...); a JSON value, {@code {}} when absent
 * @param context        free-form facts about the request (agent run, model, on_behalf_of...); a JSON object
 * @param idempotencyKey caller-chosen key; a retried submit with the same key returns the same action, or null
 * @param callbackUrl    where the caller wants each change of the action delivered (a signed webhook) instead of
 *                       waiting, or null; not covered by the digest, since it changes nothing that runs
 */
public record ActionRequest(String action, Resource resource, Intent intent, JsonNode payload, ObjectNode context,
                            String idempotencyKey, java.net.URI callbackUrl) {
    public ActionRequest {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(intent, "intent");
        payload = payload == null ? JsonNodeFactory.instance.objectNode() : payload;
        context = context == null ? JsonNodeFactory.instance.objectNode() : context;
    }

    public ActionRequest(String action, Resource resource, Intent intent, JsonNode payload, ObjectNode context, String idempotencyKey) {
        this(action, resource, intent, payload, context, idempotencyKey, null);
    }

    /** The same request about {@code target}: the resource completed from what the server knows of it. */
    public ActionRequest withResource(Resource target) {
        return new ActionRequest(action, target, intent, payload, context, idempotencyKey, callbackUrl);
    }

    /** How people read it in one line: {@code db.export on postgres.table prod/customers (prod)}. */
    public String headline() {
        return action + " on " + resource.headline();
    }

    /** The human the calling agent says it acts for ({@code context.on_behalf_of}); such a human may never review it. */
    public Optional<String> onBehalfOf() {
        JsonNode value = context.get("on_behalf_of");
        return value != null && value.isString() ? Optional.of(value.asString()) : Optional.empty();
    }
}
