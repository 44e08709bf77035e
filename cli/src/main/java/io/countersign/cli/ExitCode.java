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
    /** Gate mode: the claim was refused because another holder of the approval claimed (and ran) the action first. */
    static final int CLAIMED_ELSEWHERE = 8;

    private ExitCode() {
    }

    /** What a refused claim means to a script: nothing ran, and why. */
    static int forClaimRefusal(String code) {
        return switch (code) {
            case "approval_expired" -> EXPIRED;
            case "no_longer_allowed" -> DENIED;
            case "grant_used", "not_runnable" -> CLAIMED_ELSEWHERE;
            default -> ERROR;
        };
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
