package io.countersign.lifecycle;

/** An idempotency key reused for a different request: a caller bug that must not pass silently. */
public class IdempotencyConflictException extends RuntimeException {
    public IdempotencyConflictException(String existingId) {
        super("idempotency_key was already used for a different request (" + existingId + ")");
    }
}
