package io.countersign.grants;

/** A presented grant is not one Countersign issued for this use: the message says why (never echoing the token). */
public final class InvalidGrantException extends RuntimeException {
    public InvalidGrantException(String message) {
        super(message);
    }
}
