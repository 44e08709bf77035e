package io.countersign.inventory;

import io.countersign.policy.PolicyProblem;
import io.countersign.yaml.ConfigException;
import java.util.List;

/** A resource inventory that cannot be used, with every problem found, each with its file and line. */
public final class InventoryException extends ConfigException {
    private final List<PolicyProblem> problems;

    public InventoryException(List<PolicyProblem> problems) {
        super(String.join("\n", problems.stream().map(PolicyProblem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<PolicyProblem> problems() {
        return problems;
    }
}
