package io.countersign.lifecycle;

/** The lifecycle refused a change; {@link #refusal()} says why in a form clients can act on. */
public class LifecycleException extends RuntimeException {
    private final Refusal refusal;

    public LifecycleException(Refusal refusal, String message) {
        super(message);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
