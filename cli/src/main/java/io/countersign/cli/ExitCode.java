package io.countersign.cli;

/** Exit codes scripts can rely on. */
final class ExitCode {
    static final int OK = 0;
    static final int ERROR = 1;
    static final int USAGE = 2;
    static final int DENIED = 3;
    static final int EXPIRED = 4;
    static final int CANCELLED = 5;
    static final int STILL_PENDING = 6;
    /** The action ran (proxy mode) and failed: an upstream error, a timeout, a rolled-back transaction. */
    static final int RUN_FAILED = 7;

    private ExitCode() {
    }

    /** What a final action status means to a script waiting for permission. */
    static int forStatus(String status) {
        return switch (status) {
            case "allowed", "approved", "executed" -> OK;
            case "denied" -> DENIED;
            case "expired" -> EXPIRED;
            case "cancelled" -> CANCELLED;
            case "pending" -> STILL_PENDING;
            default -> ERROR;
        };
    }
}
