package io.countersign.policy;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * One rule's demand: at least {@code min} distinct humans from any of the {@code from} groups.
 *
 * @param from reviewer groups; empty means any human may count
 */
public record ApprovalRequirement(String rule, int min, Set<String> from) {
    public ApprovalRequirement {
        from = Set.copyOf(from);
        if (min < 1) {
            throw new IllegalArgumentException("min must be at least 1");
        }
    }

    public boolean admits(Set<String> groups) {
        return from.isEmpty() || !Collections.disjoint(from, groups);
    }

    public long countApprovers(Map<String, Set<String>> approverGroups) {
        return approverGroups.values().stream().filter(this::admits).count();
    }
}
