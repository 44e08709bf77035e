package io.countersign.policy;

/**
 * A matched rule's {@code require} condition is false: the request is incomplete (a missing ticket,
 * say) and is refused before anything is stored, so the caller can fix and resubmit.
 */
public class RequirementNotMet extends RuntimeException {
    private final String rule;
    private final java.util.List<String> controls;

    public RequirementNotMet(String rule, String message) {
        this(rule, message, java.util.List.of());
    }

    /** @param controls the compliance controls of the rule, for the evidence of refused requests */
    public RequirementNotMet(String rule, String message, java.util.List<String> controls) {
        super(message);
        this.rule = rule;
        this.controls = java.util.List.copyOf(controls);
    }

    public String rule() {
        return rule;
    }

    public java.util.List<String> controls() {
        return controls;
    }
}
