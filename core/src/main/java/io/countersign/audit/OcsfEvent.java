package io.countersign.audit;

import io.countersign.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One log entry as an OCSF 1.8.0 API Activity event (class 6003) with the {@code security_control}
 * profile: the disposition says what happened to the request (Delayed while it waits for people,
 * Approved, Rejected, Blocked, Allowed). Each event carries the log origin, index and leaf hash, so a
 * SIEM copy can be traced back to the signed log.
 */
public final class OcsfEvent {
    private static final int CLASS_UID = 6003;
    private static final int CATEGORY_UID = 6;

    private OcsfEvent() {
    }

    public static ObjectNode of(String origin, long index, byte[] entryBytes, long checkpointSize) {
        JsonNode entry = Json.parse(new String(entryBytes, StandardCharsets.UTF_8));
        String type = entry.path("type").asString();
        JsonNode detail = entry.path("detail");
        int activity = switch (type) {
            case "action.requested" -> 1; // Create
            case "policy.loaded", "policy.rejected" -> 99; // Other
            default -> 3; // Update
        };
        ObjectNode event = Json.object();
        event.put("class_uid", CLASS_UID);
        event.put("class_name", "API Activity");
        event.put("category_uid", CATEGORY_UID);
        event.put("category_name", "Application Activity");
        event.put("activity_id", activity);
        event.put("type_uid", CLASS_UID * 100 + activity);
        event.put("time", Instant.parse(entry.path("time").asString()).toEpochMilli());
        event.put("severity_id", severity(type, detail));
        event.put("status_id", 1);
        event.put("disposition_id", disposition(type, detail));
        event.put("message", type);
        event.putObject("actor").putObject("user").put("uid", entry.path("actor").asString());
        event.putObject("api").put("operation", type);
        String actionId = entry.path("action_id").asString(null);
        if (actionId != null) {
            ObjectNode resource = event.putArray("resources").addObject();
            resource.put("uid", actionId);
            resource.put("type", "countersign.action");
        }
        if (detail.has("policy_version") || detail.has("version")) {
            ObjectNode policy = event.putObject("policy");
            policy.put("version", detail.has("policy_version") ? detail.path("policy_version").asString() : detail.path("version").asString());
            policy.put("name", "countersign");
        }
        ObjectNode metadata = event.putObject("metadata");
        metadata.put("version", "1.8.0");
        metadata.putArray("profiles").add("security_control");
        ObjectNode product = metadata.putObject("product");
        product.put("name", "Countersign");
        product.put("vendor_name", "Countersign");
        if (actionId != null) {
            metadata.put("correlation_uid", actionId);
        }
        metadata.put("uid", origin + "/" + index);
        ObjectNode unmapped = event.putObject("unmapped");
        unmapped.put("log_origin", origin);
        unmapped.put("log_index", index);
        unmapped.put("leaf_hash", Rfc6962.base64(Rfc6962.leafHash(entryBytes)));
        unmapped.put("checkpoint_size", checkpointSize);
        unmapped.set("detail", detail);
        return event;
    }

    /** OCSF severity_id: 1 Informational; 4 High for an override a SIEM should raise (break-glass, and a disputed one). */
    private static int severity(String type, JsonNode detail) {
        return switch (type) {
            case "action.break_glass" -> 4;
            case "break_glass.reviewed" -> "disputed".equals(detail.path("verdict").asString()) ? 4 : 1;
            default -> 1;
        };
    }

    /** security_control disposition_id: 1 Allowed, 2 Blocked, 8 Approved, 14 Delayed, 25 Rejected, 99 Other. */
    private static int disposition(String type, JsonNode detail) {
        return switch (type) {
            case "action.decided" -> switch (detail.path("status").asString()) {
                case "allowed" -> 1;
                case "denied" -> 2;
                case "pending" -> 14;
                default -> 99;
            };
            case "action.requested" -> 14;
            case "action.approved", "action.break_glass" -> 8;
            case "action.denied" -> 25;
            case "action.expired" -> 2;
            default -> 99;
        };
    }
}
