package io.countersign.events;

/** Every kind of event the lifecycle records. Each becomes an audit entry. */
public enum EventType {
    REQUESTED("action.requested"),
    DECIDED("action.decided"),
    REVIEWED("review.submitted"),
    APPROVED("action.approved"),
    DENIED("action.denied"),
    EXPIRED("action.expired"),
    CANCELLED("action.cancelled"),
    /** An admin let a pending request through without its approvals, with a justification. */
    BREAK_GLASS("action.break_glass"),
    /** Someone other than the admin reviewed a break-glass afterwards: upheld or disputed. */
    BREAK_GLASS_REVIEWED("break_glass.reviewed"),
    /** A pending request's terms changed because a new policy was activated. */
    REEVALUATED("action.reevaluated"),
    /**
     * A grant was claimed: the action runs now, exactly once, and its runner reports the outcome next. What a
     * claim, a resource's consuming verify, a connector or an outcome report without a claim records.
     */
    CLAIMED("execution.started"),
    /** What a grant's use was called before claims had a name of their own; read from older logs, no longer written. */
    EXECUTED("action.executed"),
    /** The requester reported how running the action went. */
    OUTCOME("action.outcome"),
    /** A grant was presented again (a replay) or for a state that cannot run; refused. */
    GRANT_REFUSED("grant.refused"),
    /**
     * Someone tried what the rules refuse: a self-review, an ineligible or late review, a refused break-glass, a
     * request with an unmet {@code require}. Coalesced per principal and reason per minute ({@link RefusedAttempts}).
     */
    REFUSED("attempt.refused"),
    /** A policy version became active; not tied to one action. */
    POLICY_LOADED("policy.loaded"),
    /** A changed policy failed validation and was not activated; not tied to one action. */
    POLICY_REJECTED("policy.rejected"),
    /** A resource inventory version became active; not tied to one action. */
    INVENTORY_LOADED("inventory.loaded"),
    /** A changed resource inventory failed validation and was not activated; not tied to one action. */
    INVENTORY_REJECTED("inventory.rejected"),
    /** An identities file became active: who may act, with which keys and groups; not tied to one action. */
    IDENTITIES_LOADED("identities.loaded"),
    /** A changed identities file failed validation and was not activated; not tied to one action. */
    IDENTITIES_REJECTED("identities.rejected"),
    /** A human handed their reviews to another for a period (out of office); not tied to one action. */
    DELEGATION_GRANTED("delegation.granted"),
    /** A delegation was ended before its time by the one who gave it (or an admin); not tied to one action. */
    DELEGATION_REVOKED("delegation.revoked"),
    /** A stage waited {@code remind_after}: its reviewers are asked again. */
    REMINDED("review.reminded"),
    /** A stage waited {@code escalate_after}: the {@code escalate_to} groups join it. */
    ESCALATED("review.escalated");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static EventType fromWire(String value) {
        for (EventType type : values()) {
            if (type.wireName.equals(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown event type " + value);
    }
}
