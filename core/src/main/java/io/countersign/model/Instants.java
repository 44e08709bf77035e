package io.countersign.model;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** When something ends, as people write it in files and on the command line. */
public final class Instants {
    private Instants() {
    }

    /** An instant ({@code 2027-03-01T12:00:00Z}), or a date ({@code 2027-03-01}) meaning its start in UTC; null when it is neither. */
    public static Instant dateOrInstant(String text) {
        try {
            return text.contains("T") ? Instant.parse(text) : LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
