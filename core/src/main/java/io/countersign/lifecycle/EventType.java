package io.countersign.lifecycle;

/** Every kind of event the lifecycle records. Each becomes an audit entry. */
public enum EventType {
    REQUESTED("action.requested"),
    DECIDED("action.decided"),
    REVIEWED("review.submitted"),
    APPROVED("action.approved"),
    DENIED("action.denied"),
    EXPIRED("action.expired"),
    CANCELLED("action.cancelled");

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
