package io.countersign.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A policy that cannot be loaded. Each problem names the file, the line, the rule and the reason; a
 * policy that fails to load is never activated.
 */
public class PolicyException extends io.countersign.yaml.ConfigException {
    private final List<PolicyProblem> problems;

    public PolicyException(List<PolicyProblem> problems) {
        super(problems.stream().map(PolicyProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    /** A problem that belongs to no file (a missing directory, say). */
    public PolicyException(String message) {
        this(List.of(new PolicyProblem("", 0, null, message)));
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(new PolicyProblem("", 0, null, message));
    }

    public List<PolicyProblem> problems() {
        return problems;
    }
}
