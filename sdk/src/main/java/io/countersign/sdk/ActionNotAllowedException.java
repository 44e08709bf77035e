package io.countersign.sdk;

/**
 * {@link Countersign#guard} did not run the action: it was denied, expired, cancelled or is still pending;
 * or its claim was refused ({@link #code()} {@code grant_used}: another holder of the approval claimed it
 * first; {@code approval_expired}, {@code no_longer_allowed}, {@code not_runnable}).
 */
public final class ActionNotAllowedException extends CountersignException {
    private final ActionResult result;

    public ActionNotAllowedException(ActionResult result) {
        super(0, "not_allowed", null, "action " + result.id() + " may not run: it is " + result.status() + denial(result));
        this.result = result;
    }

    private static String denial(ActionResult result) {
        String reason = result.denialReason();
        String rule = result.denyingRule();
        return (reason == null ? "" : ": " + reason) + (rule == null ? "" : " (rule " + rule + ")");
    }

    /** The server refused the claim of {@code result} with {@code code}; nothing ran. */
    public ActionNotAllowedException(ActionResult result, String code, String message) {
        super(0, code, null, "action " + result.id() + " did not run: " + message);
        this.result = result;
    }

    /** The request as the server last showed it. */
    public ActionResult result() {
        return result;
    }
}
