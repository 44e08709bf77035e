package io.countersign.store;

/**
 * The store could not durably record or read something. Callers fail closed: nothing is allowed,
 * approved or acknowledged on the strength of a write that may not have happened.
 */
public class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
