package io.countersign.identity;

import io.countersign.policy.PolicyProblem;
import io.countersign.policy.ProblemsException;
import java.util.List;

/** An identities file that cannot be used, with every problem found, each with its file and line. */
public final class IdentitiesException extends ProblemsException {
    public IdentitiesException(List<PolicyProblem> problems) {
        super(problems);
    }
}
