package io.countersign.model;

/**
 * Input from outside (a request body, a policy file, an identities file) that cannot be accepted.
 * Carries the path of the offending field so that callers can say exactly what to fix.
 */
public class InvalidInputException extends RuntimeException {
    private final String field;
    private final String code;

    public InvalidInputException(String code, String field, String message) {
        super(message);
        this.code = code;
        this.field = field;
    }

    public InvalidInputException(String field, String message) {
        this("invalid_field", field, message);
    }

    /** Dotted path of the field at fault ({@code resource.labels.data_class}), or null when the whole input is at fault. */
    public String field() {
        return field;
    }

    /** Stable machine-readable code, e.g. {@code missing_field}, {@code unknown_field}, {@code malformed_json}. */
    public String code() {
        return code;
    }
}
