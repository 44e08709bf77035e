package io.countersign.kubernetes;

import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Resource;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One change an AdmissionReview v1 asks about, as an action: {@code k8s.<verb>} on {@code <kind> <namespace>/<name>},
 * its payload the object (and, for an update, the object before and what changed). What the API server sets by
 * itself on every attempt (uid, resourceVersion, managedFields, timestamps, status) is left out, so a controller's
 * retry of the same change has the same digest and runs on the approval given to the first attempt.
 *
 * @param uid      the review's uid, echoed in the answer
 * @param username who makes the change, as the API server authenticated them
 * @param dryRun   whether the change will not be persisted (nothing is then stored here either)
 */
record KubernetesChange(String uid, String username, boolean dryRun, String namespace, ActionRequest request) {
    /** Set by the API server on every attempt; not part of what a person approves. */
    private static final Set<String> VOLATILE_METADATA = Set.of("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
            "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds");

    static KubernetesChange of(JsonNode review) {
        if (!"admission.k8s.io/v1".equals(review.path("apiVersion").asString("")) || !"AdmissionReview".equals(review.path("kind").asString(""))) {
            throw new InvalidInputException("apiVersion", "expected an AdmissionReview of admission.k8s.io/v1 (set admissionReviewVersions: [v1])");
        }
        JsonNode request = review.path("request");
        String uid = request.path("uid").asString("");
        if (uid.isEmpty()) {
            throw new InvalidInputException("request.uid", "an AdmissionReview request carries its uid");
        }
        String operation = request.path("operation").asString("");
        if (!Set.of("CREATE", "UPDATE", "DELETE", "CONNECT").contains(operation)) {
            throw new InvalidInputException("request.operation", "operation must be CREATE, UPDATE, DELETE or CONNECT");
        }
        String kind = request.path("kind").path("kind").asString("");
        if (kind.isEmpty()) {
            throw new InvalidInputException("request.kind.kind", "the review names the kind of object");
        }
        JsonNode object = request.path("object");
        JsonNode old = request.path("oldObject");
        String namespace = text(request.path("namespace"));
        String name = text(request.path("name"));
        if (name == null) {
            JsonNode metadata = (object.isObject() ? object : old).path("metadata");
            name = text(metadata.path("name"));
            if (name == null && text(metadata.path("generateName")) != null) {
                name = metadata.path("generateName").asString() + "*";
            }
        }
        if (name == null) {
            throw new InvalidInputException("request.name", "the object has no name");
        }
        String verb = operation.equals("UPDATE") && "PatchOptions".equals(request.path("options").path("kind").asString(""))
                ? "patch" : operation.toLowerCase(Locale.ROOT);
        String subResource = text(request.path("subResource"));
        String action = "k8s." + verb + (subResource == null ? "" : "." + subResource);
        ObjectNode payload = Json.object();
        payload.put("operation", operation);
        if (subResource != null) {
            payload.put("sub_resource", subResource);
        }
        switch (operation) {
            case "UPDATE" -> {
                JsonNode before = stable(old);
                JsonNode after = stable(object);
                payload.set("before", before);
                payload.set("after", after);
                ArrayNode changes = Json.array();
                diff("", before, after, changes);
                payload.set("changes", changes);
            }
            case "DELETE" -> payload.set("object", stable(old));
            default -> payload.set("object", stable(object));
        }
        String id = namespace == null ? name : namespace + "/" + name;
        // A subresource's kind is its own (Scale); what it changes is the object it belongs to (a deployment).
        String plural = request.path("resource").path("resource").asString("");
        boolean parent = subResource != null && !plural.isEmpty();
        String type = parent ? singular(plural) : kind.toLowerCase(Locale.ROOT);
        Resource resource = new Resource("k8s." + type, id, null, Map.of());
        ObjectNode context = Json.object();
        context.put("via", "kubernetes-admission");
        context.put("kubernetes_user", request.path("userInfo").path("username").asString(""));
        String summary = "Kubernetes " + verb + " of " + (parent ? plural + "/" + subResource : kind) + " " + id;
        return new KubernetesChange(uid, request.path("userInfo").path("username").asString(""), request.path("dryRun").asBoolean(false),
                namespace, new ActionRequest(action, resource, new Intent(summary, null, null), payload, context, null));
    }

    /** {@code deployments} is a {@code deployment}, {@code ingresses} an {@code ingress}, {@code networkpolicies} a {@code networkpolicy}. */
    private static String singular(String plural) {
        if (plural.endsWith("ies")) {
            return plural.substring(0, plural.length() - 3) + "y";
        }
        if (plural.endsWith("sses") || plural.endsWith("xes")) {
            return plural.substring(0, plural.length() - 2);
        }
        return plural.endsWith("s") ? plural.substring(0, plural.length() - 1) : plural;
    }

    /** The object without what the API server sets by itself on each attempt. */
    private static JsonNode stable(JsonNode object) {
        if (!(object instanceof ObjectNode node)) {
            return Json.object();
        }
        ObjectNode copy = node.deepCopy();
        copy.remove("status");
        if (copy.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove(VOLATILE_METADATA);
        }
        return copy;
    }

    /** What changed between two objects, as JSON Pointer paths with the value before and after. */
    private static void diff(String path, JsonNode before, JsonNode after, ArrayNode changes) {
        if (before.equals(after)) {
            return;
        }
        if (before.isObject() && after.isObject()) {
            for (String field : before.propertyNames()) {
                String at = path + "/" + field.replace("~", "~0").replace("/", "~1");
                if (!after.has(field)) {
                    changes.add(change("remove", at, before.get(field), null));
                } else {
                    diff(at, before.get(field), after.get(field), changes);
                }
            }
            for (String field : after.propertyNames()) {
                if (!before.has(field)) {
                    changes.add(change("add", path + "/" + field.replace("~", "~0").replace("/", "~1"), null, after.get(field)));
                }
            }
            return;
        }
        changes.add(change("replace", path.isEmpty() ? "/" : path, before, after));
    }

    private static ObjectNode change(String op, String path, JsonNode from, JsonNode to) {
        ObjectNode change = Json.object();
        change.put("op", op);
        change.put("path", path);
        if (from != null) {
            change.set("from", from);
        }
        if (to != null) {
            change.set("to", to);
        }
        return change;
    }

    private static String text(JsonNode node) {
        return node != null && node.isString() && !node.asString().isEmpty() ? node.asString() : null;
    }
}
