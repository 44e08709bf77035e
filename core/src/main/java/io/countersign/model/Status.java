package io.countersign.model;

import java.util.Locale;

/** Where an action request stands. See the lifecycle in DESIGN.md. */
public enum Status {
    ALLOWED, DENIED, PENDING, APPROVED, EXPIRED, CANCELLED, EXECUTED, FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String value) {
        for (Status status : values()) {
            if (status.wireName().equals(value)) {
                return status;
            }
        }
        throw new InvalidInputException("status", "unknown status '" + value + "': expected one of allowed, denied, pending, approved, expired, cancelled, executed, failed");
    }

    /** Whether a decision on this request has been reached (it may still be executed later). */
    public boolean isDecided() {
        return this != PENDING;
    }
}
