package io.countersign.sdk;

/** {@link Countersign#guard} did not run the action: it was denied, expired, cancelled or is still pending. */
public final class ActionNotAllowedException extends CountersignException {
    private final ActionResult result;

    public ActionNotAllowedException(ActionResult result) {
        super(0, "not_allowed", null, "action " + result.id() + " may not run: it is " + result.status());
        this.result = result;
    }

    /** The request as the server last showed it. */
    public ActionResult result() {
        return result;
    }
}
