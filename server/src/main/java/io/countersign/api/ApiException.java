package io.countersign.api;

import io.helidon.http.Status;

/** An HTTP-level refusal raised by a handler (bad query parameter, missing credentials). */
public class ApiException extends RuntimeException {
    private final Status status;
    private final String code;
    private final String field;

    public ApiException(Status status, String code, String field, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    public Status status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
