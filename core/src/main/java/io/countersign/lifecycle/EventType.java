package io.countersign.lifecycle;

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
    /** A grant was used: the action runs now, exactly once. */
    EXECUTED("action.executed"),
    /** The requester reported how running the action went. */
    OUTCOME("action.outcome"),
    /** A grant was presented again (a replay) or for a state that cannot run; refused. */
    GRANT_REFUSED("grant.refused"),
    /** A policy version became active; not tied to one action. */
    POLICY_LOADED("policy.loaded"),
    /** A changed policy failed validation and was not activated; not tied to one action. */
    POLICY_REJECTED("policy.rejected");

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
