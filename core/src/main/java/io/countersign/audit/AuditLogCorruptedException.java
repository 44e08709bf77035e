package io.countersign.audit;

/** The start-up check found the stored log differs from what the log signed; the node must not start. */
public final class AuditLogCorruptedException extends RuntimeException {
    public AuditLogCorruptedException(String message) {
        super(message);
    }
}
