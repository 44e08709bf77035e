package io.countersign.events;

import io.countersign.json.Json;
import io.countersign.policy.DecisionJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON form of {@link AuditEvent}s: the {@code detail} of a log entry, as the store writes it and
 * every reader reads it. Entries are hashed into the log's tree, so this writes exactly what each earlier
 * version wrote for the same event (pinned by golden entries of real logs) and reads every form it ever wrote.
 */
public final class EventCodec {
    private EventCodec() {
    }

    /** The entry detail of {@code event}. */
    public static ObjectNode detail(AuditEvent event) {
        ObjectNode d = Json.object();
        switch (event) {
            case AuditEvent.Requested e -> {
                d.put("digest", e.digest());
                d.put("action", e.action());
                d.put("resource", e.resource());
                d.put("summary", e.summary());
                optional(d, "ticket", e.ticket());
                optional(d, "on_behalf_of", e.onBehalfOf());
            }
            case AuditEvent.Decided e -> {
                d.setAll(DecisionJson.toJson(e.decision()));
                d.put("digest", e.digest());
                d.put("status", e.status());
                optional(d, "expires_at", e.expiresAt());
            }
            case AuditEvent.Reviewed e -> {
                d.put("digest", e.digest());
                d.put("reviewer", e.reviewer());
                d.put("decision", e.decision());
                optional(d, "justification", e.justification());
                optional(d, "by", e.by());
            }
            case AuditEvent.DelegationGranted e -> {
                d.put("id", e.id());
                d.put("from", e.from());
                d.put("to", e.to());
                d.put("starts", e.starts().toString());
                d.put("ends", e.ends().toString());
                optional(d, "reason", e.reason());
            }
            case AuditEvent.Reminded e -> {
                d.put("digest", e.digest());
                d.put("stage", e.stage());
                e.groups().forEach(d.putArray("groups")::add);
            }
            case AuditEvent.Escalated e -> {
                d.put("digest", e.digest());
                d.put("stage", e.stage());
                e.groups().forEach(d.putArray("groups")::add);
            }
            case AuditEvent.DelegationRevoked e -> {
                d.put("id", e.id());
                d.put("by", e.by());
            }
            case AuditEvent.Approved e -> {
                d.put("digest", e.digest());
                d.put("reviewers", e.reviewers());
                optional(d, "reason", e.reason());
                optional(d, "break_glass", e.breakGlass());
                optional(d, "approval_expires_at", e.approvalExpiresAt());
            }
            case AuditEvent.Denied e -> {
                d.put("digest", e.digest());
                d.put("reviewers", e.reviewers());
                optional(d, "reason", e.reason());
            }
            case AuditEvent.Expired e -> {
                d.put("digest", e.digest());
                d.put("expires_at", e.expiresAt().toString());
                d.put("approvals", e.approvals());
                optional(d, "reason", e.reason());
            }
            case AuditEvent.Cancelled e -> d.put("digest", e.digest());
            case AuditEvent.BrokeGlass e -> {
                d.put("digest", e.digest());
                d.put("admin", e.admin());
                d.put("justification", e.justification());
                if (e.ownRequest() != null) {
                    d.put("own_request", e.ownRequest());
                }
                d.put("bypassed", e.bypassed());
                d.put("approvals", e.approvals());
                e.controls().forEach(d.putArray("controls")::add);
            }
            case AuditEvent.BreakGlassReviewed e -> {
                d.put("digest", e.digest());
                d.put("reviewer", e.reviewer());
                d.put("verdict", e.verdict());
                d.put("admin", e.admin());
                optional(d, "comment", e.comment());
            }
            case AuditEvent.Reevaluated e -> {
                d.setAll(DecisionJson.toJson(e.decision()));
                d.put("digest", e.digest());
                d.put("outcome", e.outcome());
                d.put("previous_policy_version", e.previousPolicyVersion());
                d.put("status", e.status());
                optional(d, "expires_at", e.expiresAt());
            }
            case AuditEvent.Claimed e -> {
                d.put("digest", e.digest());
                d.put("grant_id", e.grantId());
            }
            case AuditEvent.Executed e -> {
                d.put("digest", e.digest());
                d.put("grant_id", e.grantId());
            }
            case AuditEvent.Outcome e -> {
                d.put("digest", e.digest());
                d.put("outcome", e.outcome());
                optional(d, "detail", e.detail());
            }
            case AuditEvent.Refused e -> {
                optional(d, "digest", e.digest());
                optional(d, "grant_id", e.grantId());
                optional(d, "decision", e.decision());
                optional(d, "action", e.action());
                optional(d, "resource", e.resource());
                optional(d, "rule", e.rule());
                optional(d, "attempt", e.attempt());
                d.put("reason", e.reason());
                optional(d, "message", e.message());
                if (e.controls() != null) {
                    e.controls().forEach(d.putArray("controls")::add);
                }
            }
            case AuditEvent.RefusalsCoalesced e -> {
                d.put("attempt", e.attempt());
                d.put("reason", e.reason());
                d.put("coalesced", true);
                d.put("count", e.count());
                d.put("from", e.from().toString());
                d.put("to", e.to().toString());
                ObjectNode byControl = d.putObject("by_control");
                e.byControl().forEach(byControl::put);
                e.actions().forEach(d.putArray("actions")::add);
            }
            case AuditEvent.PolicyLoaded e -> {
                d.put("version", e.version());
                optional(d, "previous_version", e.previousVersion());
                d.put("trigger", e.trigger());
                d.put("rules", e.rules());
                e.files().forEach(d.putArray("files")::add);
            }
            case AuditEvent.PolicyRejected e -> {
                d.put("trigger", e.trigger());
                d.put("active_version", e.activeVersion());
                e.problems().forEach(d.putArray("problems")::add);
            }
            case AuditEvent.InventoryLoaded e -> {
                d.put("version", e.version());
                optional(d, "previous_version", e.previousVersion());
                d.put("trigger", e.trigger());
                d.put("entries", e.entries());
            }
            case AuditEvent.InventoryRejected e -> {
                d.put("trigger", e.trigger());
                d.put("active_version", e.activeVersion());
                e.problems().forEach(d.putArray("problems")::add);
            }
            case AuditEvent.IdentitiesLoaded e -> {
                d.put("version", e.version());
                optional(d, "previous_version", e.previousVersion());
                d.put("trigger", e.trigger());
                d.put("principals", e.principals());
                d.put("disabled", e.disabled());
            }
            case AuditEvent.IdentitiesRejected e -> {
                d.put("trigger", e.trigger());
                d.put("active_version", e.activeVersion());
                e.problems().forEach(d.putArray("problems")::add);
            }
            case AuditEvent.Oversized e -> {
                d.put("omitted", AuditEvent.Oversized.OMITTED);
                d.put("sha256", e.sha256());
                d.put("bytes", e.bytes());
            }
        }
        return d;
    }

    /**
     * The event an entry of {@code type} with {@code detail} records.
     *
     * @throws IllegalArgumentException when the detail lacks what its kind always has
     */
    public static AuditEvent read(EventType type, JsonNode d) {
        if (d.has("omitted") && d.has("sha256")) {
            return new AuditEvent.Oversized(type, text(d, "sha256"), d.path("bytes").asLong());
        }
        return switch (type) {
            case REQUESTED -> new AuditEvent.Requested(text(d, "digest"), text(d, "action"), text(d, "resource"), text(d, "summary"),
                    optional(d, "ticket"), optional(d, "on_behalf_of"));
            case DECIDED -> new AuditEvent.Decided(text(d, "digest"), DecisionJson.fromJson(d), text(d, "status"), instant(d, "expires_at"));
            case REVIEWED -> new AuditEvent.Reviewed(text(d, "digest"), text(d, "reviewer"), text(d, "decision"), optional(d, "justification"),
                    optional(d, "by"));
            case DELEGATION_GRANTED -> new AuditEvent.DelegationGranted(text(d, "id"), text(d, "from"), text(d, "to"),
                    Instant.parse(text(d, "starts")), Instant.parse(text(d, "ends")), optional(d, "reason"));
            case DELEGATION_REVOKED -> new AuditEvent.DelegationRevoked(text(d, "id"), text(d, "by"));
            case REMINDED -> new AuditEvent.Reminded(text(d, "digest"), d.path("stage").asInt(), strings(d.get("groups")));
            case ESCALATED -> new AuditEvent.Escalated(text(d, "digest"), d.path("stage").asInt(), strings(d.get("groups")));
            case APPROVED -> new AuditEvent.Approved(text(d, "digest"), text(d, "reviewers"), optional(d, "reason"), optional(d, "break_glass"),
                    instant(d, "approval_expires_at"));
            case DENIED -> new AuditEvent.Denied(text(d, "digest"), text(d, "reviewers"), optional(d, "reason"));
            case EXPIRED -> new AuditEvent.Expired(text(d, "digest"), Instant.parse(text(d, "expires_at")), d.path("approvals").asInt(),
                    optional(d, "reason"));
            case CANCELLED -> new AuditEvent.Cancelled(text(d, "digest"));
            case BREAK_GLASS -> new AuditEvent.BrokeGlass(text(d, "digest"), text(d, "admin"), text(d, "justification"),
                    d.has("own_request") ? d.get("own_request").booleanValue() : null, text(d, "bypassed"), d.path("approvals").asInt(),
                    strings(d.get("controls")));
            case BREAK_GLASS_REVIEWED -> new AuditEvent.BreakGlassReviewed(text(d, "digest"), text(d, "reviewer"), text(d, "verdict"),
                    text(d, "admin"), optional(d, "comment"));
            case REEVALUATED -> new AuditEvent.Reevaluated(text(d, "digest"), DecisionJson.fromJson(d), text(d, "outcome"),
                    text(d, "previous_policy_version"), text(d, "status"), instant(d, "expires_at"));
            case CLAIMED -> new AuditEvent.Claimed(text(d, "digest"), text(d, "grant_id"));
            case EXECUTED -> new AuditEvent.Executed(text(d, "digest"), text(d, "grant_id"));
            case OUTCOME -> new AuditEvent.Outcome(text(d, "digest"), text(d, "outcome"), optional(d, "detail"));
            case REFUSED, GRANT_REFUSED -> d.path("coalesced").asBoolean(false)
                    ? new AuditEvent.RefusalsCoalesced(type, text(d, "attempt"), text(d, "reason"), d.path("count").asInt(),
                            Instant.parse(text(d, "from")), Instant.parse(text(d, "to")), counts(d.get("by_control")), strings(d.get("actions")))
                    : new AuditEvent.Refused(type, optional(d, "digest"), text(d, "reason"), optional(d, "attempt"), optional(d, "message"),
                            d.has("controls") ? strings(d.get("controls")) : null, optional(d, "grant_id"), optional(d, "decision"),
                            optional(d, "action"), optional(d, "resource"), optional(d, "rule"));
            case POLICY_LOADED -> new AuditEvent.PolicyLoaded(text(d, "version"), optional(d, "previous_version"), text(d, "trigger"),
                    d.path("rules").asInt(), strings(d.get("files")));
            case POLICY_REJECTED -> new AuditEvent.PolicyRejected(text(d, "trigger"), text(d, "active_version"), strings(d.get("problems")));
            case INVENTORY_LOADED -> new AuditEvent.InventoryLoaded(text(d, "version"), optional(d, "previous_version"), text(d, "trigger"),
                    d.path("entries").asInt());
            case INVENTORY_REJECTED -> new AuditEvent.InventoryRejected(text(d, "trigger"), text(d, "active_version"), strings(d.get("problems")));
            case IDENTITIES_LOADED -> new AuditEvent.IdentitiesLoaded(text(d, "version"), optional(d, "previous_version"), text(d, "trigger"),
                    d.path("principals").asInt(), d.path("disabled").asInt());
            case IDENTITIES_REJECTED -> new AuditEvent.IdentitiesRejected(text(d, "trigger"), text(d, "active_version"), strings(d.get("problems")));
        };
    }

    private static void optional(ObjectNode detail, String key, String value) {
        if (value != null) {
            detail.put(key, value);
        }
    }

    private static void optional(ObjectNode detail, String key, Instant value) {
        if (value != null) {
            detail.put(key, value.toString());
        }
    }

    private static String text(JsonNode detail, String key) {
        JsonNode value = detail.get(key);
        if (value == null || !value.isString()) {
            throw new IllegalArgumentException("the entry's detail has no '" + key + "'");
        }
        return value.stringValue();
    }

    private static String optional(JsonNode detail, String key) {
        JsonNode value = detail.get(key);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static Instant instant(JsonNode detail, String key) {
        String value = optional(detail, key);
        return value == null ? null : Instant.parse(value);
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array != null) {
            array.values().forEach(v -> values.add(v.asString()));
        }
        return values;
    }

    private static Map<String, Integer> counts(JsonNode object) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (object != null) {
            object.properties().forEach(e -> counts.put(e.getKey(), e.getValue().asInt()));
        }
        return counts;
    }
}
