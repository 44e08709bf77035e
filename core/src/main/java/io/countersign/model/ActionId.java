package io.countersign.model;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Identifier of one action request: {@code act_} followed by 32 hex digits, time-ordered like a UUIDv7
 * (48 bits of milliseconds, then 80 random bits) so that newest-first listings sort by id.
 */
public record ActionId(String value) implements Comparable<ActionId> {
    private static final Pattern FORMAT = Pattern.compile("act_[0-9a-f]{32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    public ActionId {
        if (value == null || !FORMAT.matcher(value).matches()) {
            throw new InvalidInputException("invalid_id", "id", "not an action id: expected act_ followed by 32 hex digits");
        }
    }

    public static ActionId newId(Instant now) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        long millis = now.toEpochMilli();
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (millis >>> (40 - 8 * i));
        }
        return new ActionId("act_" + HexFormat.of().formatHex(bytes));
    }

    /** Parses outside input; a malformed id is reported as unknown rather than as a server error. */
    public static boolean isWellFormed(String value) {
        return value != null && FORMAT.matcher(value).matches();
    }

    @Override
    public int compareTo(ActionId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
