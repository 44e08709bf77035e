package io.countersign.sdk;

/**
 * The server refused a call or could not be reached.
 *
 * @see #code() the server's error code, e.g. {@code missing_field}, or {@code unreachable}
 */
public class CountersignException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    public CountersignException(int status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    /** HTTP status, or 0 when the server was not reached. */
    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
