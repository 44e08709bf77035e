package io.countersign.lifecycle;

import io.countersign.model.InvalidInputException;
import java.util.Locale;

public enum ReviewDecision {
    APPROVE, DENY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReviewDecision fromWire(String value) {
        for (ReviewDecision d : values()) {
            if (d.wireName().equals(value)) {
                return d;
            }
        }
        throw new InvalidInputException("decision", "'decision' must be approve or deny");
    }
}
