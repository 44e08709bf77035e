package io.countersign.policy;

import java.util.Locale;

/** A rule's verdict, ordered from least to most restrictive: the most restrictive match wins. */
public enum Effect {
    ALLOW, REQUIRE_APPROVAL, DENY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Effect fromWire(String value) {
        for (Effect effect : values()) {
            if (effect.wireName().equals(value)) {
                return effect;
            }
        }
        return null;
    }
}
