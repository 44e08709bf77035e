package io.countersign.audit;

import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.events.EventCodec;
import io.countersign.json.Json;
import io.countersign.model.Principal;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * One log entry as an OCSF 1.8.0 API Activity event (class 6003) with the {@code security_control}
 * profile: the disposition says what happened to the request (Delayed while it waits for people, Approved,
 * Rejected, Blocked, Allowed). Every attribute the class requires is there ({@code actor}, {@code api},
 * {@code src_endpoint}, {@code metadata}, ...), which a test checks against the OCSF definitions. Each event
 * carries the log origin, index and leaf hash, so a SIEM copy can be traced back to the signed log.
 *
 * <p>The actor is mapped as OCSF maps a principal: a human is a {@code user} of type User; an agent or a
 * service is a {@code user} of type Service and, an agent, also the client application ({@code app_uid},
 * {@code app_name}) that initiated the activity; Countersign itself (an expiry, a policy load) is the
 * application alone. Who a principal is comes from the identities when the exporter has them; without,
 * reviewers and break-glass admins are still known to be humans (only humans may act so), and anyone
 * else is a user of unknown type. The log keeps no client addresses: {@code src_endpoint} names the
 * principal's client by the principal, or Countersign for its own events.
 */
public final class OcsfEvent {
    public static final String VERSION = "1.8.0";
    private static final int CLASS_UID = 6003;
    private static final int CATEGORY_UID = 6;

    private OcsfEvent() {
    }

    /** As {@link #of(String, long, byte[], long, Function)} without identities. */
    public static ObjectNode of(String origin, long index, byte[] entryBytes, long checkpointSize) {
        return of(origin, index, entryBytes, checkpointSize, id -> Optional.empty());
    }

    /** @param principals who a principal id is, where the exporter knows */
    public static ObjectNode of(String origin, long index, byte[] entryBytes, long checkpointSize,
                                Function<String, Optional<Principal>> principals) {
        ActionEvent entry = AuditEntry.decode(entryBytes);
        String type = entry.type().wireName();
        AuditEvent event = entry.event();
        int activity = switch (event) {
            case AuditEvent.Requested e -> 1; // Create
            case AuditEvent.PolicyLoaded e -> 99; // Other
            case AuditEvent.PolicyRejected e -> 99;
            case AuditEvent.InventoryLoaded e -> 99;
            case AuditEvent.InventoryRejected e -> 99;
            case AuditEvent.IdentitiesLoaded e -> 99;
            case AuditEvent.IdentitiesRejected e -> 99;
            default -> 3; // Update
        };
        int disposition = disposition(event);
        ObjectNode ocsf = Json.object();
        ocsf.put("class_uid", CLASS_UID);
        ocsf.put("class_name", "API Activity");
        ocsf.put("category_uid", CATEGORY_UID);
        ocsf.put("category_name", "Application Activity");
        ocsf.put("activity_id", activity);
        ocsf.put("type_uid", CLASS_UID * 100 + activity);
        ocsf.put("time", entry.at().toEpochMilli());
        ocsf.put("severity_id", severity(event));
        ocsf.put("status_id", 1);
        ocsf.put("disposition_id", disposition);
        ocsf.put("action_id", switch (disposition) {
            case 1, 8 -> 1; // Allowed
            case 2, 25 -> 2; // Denied
            default -> 0; // Unknown: held for review, or no decision at all
        });
        ocsf.put("message", type);
        actor(ocsf.putObject("actor"), entry, origin, principals);
        ObjectNode source = ocsf.putObject("src_endpoint");
        if (ActionEvent.SYSTEM.equals(entry.actor())) {
            source.put("svc_name", "countersign");
            source.put("name", origin);
        } else {
            source.put("name", entry.actor());
        }
        ObjectNode api = ocsf.putObject("api");
        api.put("operation", type);
        api.putObject("service").put("name", "countersign");
        if (entry.actionId() != null) {
            ObjectNode resource = ocsf.putArray("resources").addObject();
            resource.put("uid", entry.actionId().value());
            resource.put("type", "countersign.action");
        }
        String policyVersion = switch (event) {
            case AuditEvent.Decided e -> e.decision().version().value();
            case AuditEvent.Reevaluated e -> e.decision().version().value();
            case AuditEvent.PolicyLoaded e -> e.version();
            case AuditEvent.PolicyRejected e -> e.activeVersion();
            default -> null;
        };
        if (policyVersion != null) {
            ObjectNode policy = ocsf.putObject("policy");
            policy.put("name", "countersign");
            policy.put("version", policyVersion);
        }
        ObjectNode metadata = ocsf.putObject("metadata");
        metadata.put("version", VERSION);
        metadata.putArray("profiles").add("security_control");
        ObjectNode product = metadata.putObject("product");
        product.put("name", "Countersign");
        product.put("vendor_name", "Countersign");
        if (entry.actionId() != null) {
            metadata.put("correlation_uid", entry.actionId().value());
        }
        metadata.put("uid", origin + "/" + index);
        metadata.put("log_name", origin);
        ObjectNode unmapped = ocsf.putObject("unmapped");
        unmapped.put("log_origin", origin);
        unmapped.put("log_index", index);
        unmapped.put("leaf_hash", Rfc6962.base64(Rfc6962.leafHash(entryBytes)));
        unmapped.put("checkpoint_size", checkpointSize);
        unmapped.set("detail", EventCodec.detail(event));
        return ocsf;
    }

    private static void actor(ObjectNode actor, ActionEvent entry, String origin, Function<String, Optional<Principal>> principals) {
        if (ActionEvent.SYSTEM.equals(entry.actor())) {
            actor.put("app_name", "Countersign");
            actor.put("app_uid", origin);
            return;
        }
        ObjectNode user = actor.putObject("user");
        user.put("uid", entry.actor());
        Optional<Principal> known = principals.apply(entry.actor());
        Principal.Kind kind = known.map(Principal::kind).orElse(humanByWhatTheyDid(entry.event()) ? Principal.Kind.HUMAN : null);
        known.ifPresent(principal -> user.put("name", principal.name()));
        known.map(Principal::email).ifPresent(email -> user.put("email_addr", email));
        if (kind == null) {
            user.put("type_id", 0);
            user.put("type", "Unknown");
            return;
        }
        switch (kind) {
            case HUMAN -> {
                user.put("type_id", 1);
                user.put("type", "User");
            }
            case AGENT, SERVICE -> {
                user.put("type_id", 4);
                user.put("type", "Service");
            }
        }
        if (kind == Principal.Kind.AGENT) {
            actor.put("app_uid", entry.actor());
            actor.put("app_name", known.map(Principal::name).orElse(entry.actor()));
        }
    }

    /** Only humans review, break glass, or review a break-glass: the server refuses anyone else. */
    private static boolean humanByWhatTheyDid(AuditEvent event) {
        return event instanceof AuditEvent.Reviewed || event instanceof AuditEvent.BrokeGlass
                || event instanceof AuditEvent.BreakGlassReviewed;
    }

    /** OCSF severity_id: 1 Informational; 4 High for an override a SIEM should raise (break-glass, and a disputed one). */
    private static int severity(AuditEvent event) {
        return switch (event) {
            case AuditEvent.BrokeGlass e -> 4;
            case AuditEvent.BreakGlassReviewed e -> "disputed".equals(e.verdict()) ? 4 : 1;
            default -> 1;
        };
    }

    /** security_control disposition_id: 1 Allowed, 2 Blocked, 8 Approved, 14 Delayed, 25 Rejected, 99 Other. */
    private static int disposition(AuditEvent event) {
        return switch (event) {
            case AuditEvent.Decided e -> switch (e.status()) {
                case "allowed" -> 1;
                case "denied" -> 2;
                case "pending" -> 14;
                default -> 99;
            };
            case AuditEvent.Requested e -> 14;
            case AuditEvent.Approved e -> 8;
            case AuditEvent.BrokeGlass e -> 8;
            case AuditEvent.Denied e -> 25;
            case AuditEvent.Expired e -> 2;
            default -> 99;
        };
    }
}
