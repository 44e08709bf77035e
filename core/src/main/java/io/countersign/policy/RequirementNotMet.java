package io.countersign.policy;

/**
 * A matched rule's {@code require} condition is false: the request is incomplete (a missing ticket,
 * say) and is refused before anything is stored, so the caller can fix and resubmit.
 */
public class RequirementNotMet extends RuntimeException {
    private final String rule;

    public RequirementNotMet(String rule, String message) {
        super(message);
        this.rule = rule;
    }

    public String rule() {
        return rule;
    }
}
