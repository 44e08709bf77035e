package io.countersign.events;

import io.countersign.model.ActionId;
import java.time.Instant;

/**
 * One audit-log entry: an {@link AuditEvent}, recorded in the same transaction as the change it describes,
 * with who caused it and when.
 *
 * @param actionId the action it concerns, or null for events of the whole system (a policy load)
 * @param actor    principal id that caused it, or {@value #SYSTEM} for the system (an expiry)
 */
public record ActionEvent(ActionId actionId, String actor, Instant at, AuditEvent event) {
    public static final String SYSTEM = "countersign";

    public EventType type() {
        return event.type();
    }
}
