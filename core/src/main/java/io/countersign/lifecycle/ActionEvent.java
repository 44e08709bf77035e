package io.countersign.lifecycle;

import io.countersign.model.ActionId;
import java.time.Instant;
import tools.jackson.databind.node.ObjectNode;

/**
 * Something that happened to an action, recorded in the same transaction as the change it describes.
 *
 * @param actionId the action it concerns, or null for events of the whole system (a policy load)
 * @param actor  principal id that caused it, or {@code countersign} for the system (expiry)
 * @param detail event-specific facts (digest, rules, reviewer's justification...); never secrets
 */
public record ActionEvent(EventType type, ActionId actionId, String actor, Instant at, ObjectNode detail) {
    public static final String SYSTEM = "countersign";
}
