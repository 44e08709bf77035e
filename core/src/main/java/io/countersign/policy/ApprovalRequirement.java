package io.countersign.policy;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * One rule's demand: at least {@code min} distinct humans from any of the {@code from} groups, in one stage
 * of the request's review.
 *
 * @param from   reviewer groups; empty means any human may count
 * @param stage  the stage it belongs to, 0 for the first: stages are decided in order
 * @param anyOf  requirements of one stage with the same {@code anyOf} number are alternatives (one of them
 *               suffices); {@link #ALONE} for a requirement that must be met itself
 */
public record ApprovalRequirement(String rule, int min, Set<String> from, int stage, int anyOf) {
    /** Not one of a set of alternatives. */
    public static final int ALONE = -1;

    public ApprovalRequirement {
        from = Set.copyOf(from);
        if (min < 1) {
            throw new IllegalArgumentException("min must be at least 1");
        }
        if (stage < 0) {
            throw new IllegalArgumentException("stage must be 0 or more");
        }
    }

    /** A demand of a request reviewed in one stage, as every rule made before stages. */
    public ApprovalRequirement(String rule, int min, Set<String> from) {
        this(rule, min, from, 0, ALONE);
    }

    public boolean admits(Set<String> groups) {
        return from.isEmpty() || !Collections.disjoint(from, groups);
    }

    public long countApprovers(Map<String, Set<String>> approverGroups) {
        return approverGroups.values().stream().filter(this::admits).count();
    }

    /** The same demand in another stage and set of alternatives (for rules combined into one decision). */
    ApprovalRequirement at(int newStage, int newAnyOf) {
        return new ApprovalRequirement(rule, min, from, newStage, newAnyOf);
    }
}
