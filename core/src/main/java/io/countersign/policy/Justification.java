package io.countersign.policy;

import java.util.Locale;

/** Whether a reviewer must write why they approve or deny. */
public enum Justification {
    REQUIRED, OPTIONAL;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
