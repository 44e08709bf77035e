package io.countersign.policy;

import io.countersign.yaml.ConfigException;
import java.util.List;

/**
 * A configuration file (policy, inventory, identities) that cannot be used, with every problem found, each
 * located as precisely as it can be: a file with any problem is refused whole.
 */
public class ProblemsException extends ConfigException {
    private final List<PolicyProblem> problems;

    public ProblemsException(List<PolicyProblem> problems) {
        this(problems, null);
    }

    public ProblemsException(List<PolicyProblem> problems, Throwable cause) {
        super(String.join("\n", problems.stream().map(PolicyProblem::toString).toList()), cause);
        this.problems = List.copyOf(problems);
    }

    public List<PolicyProblem> problems() {
        return problems;
    }

    @Override
    public List<String> reasons() {
        return problems.stream().map(PolicyProblem::toString).toList();
    }
}
