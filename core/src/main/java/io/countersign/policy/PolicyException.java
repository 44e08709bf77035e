package io.countersign.policy;

import java.util.List;

/**
 * A policy that cannot be loaded. Each problem names the file, the line, the rule and the reason; a
 * policy that fails to load is never activated.
 */
public class PolicyException extends ProblemsException {
    public PolicyException(List<PolicyProblem> problems) {
        super(problems);
    }

    /** A problem that belongs to no file (a missing directory, say). */
    public PolicyException(String message) {
        this(List.of(new PolicyProblem("", 0, null, message)));
    }

    public PolicyException(String message, Throwable cause) {
        super(List.of(new PolicyProblem("", 0, null, message)), cause);
    }
}
