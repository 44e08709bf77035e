package io.countersign.inventory;

import io.countersign.policy.PolicyProblem;
import io.countersign.policy.ProblemsException;
import java.util.List;

/** A resource inventory that cannot be used, with every problem found, each with its file and line. */
public final class InventoryException extends ProblemsException {
    public InventoryException(List<PolicyProblem> problems) {
        super(problems);
    }
}
