package io.countersign.lifecycle;

import java.time.Duration;

/** A principal asked more than {@link SubmissionLimits} allow; nothing was stored, and it may try again later. */
public class TooManyRequestsException extends RuntimeException {
    /** Which limit: {@code rate_limited} or {@code too_many_pending}. */
    private final String code;
    private final Duration retryAfter;

    public TooManyRequestsException(String code, String message, Duration retryAfter) {
        super(message);
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public String code() {
        return code;
    }

    /** When trying again could succeed; null when that depends on reviewers (too many pending). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
