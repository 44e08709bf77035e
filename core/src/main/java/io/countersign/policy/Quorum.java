package io.countersign.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who must approve. Every requirement must be met; each counts distinct humans, so one person in two
 * groups is one approval, and one person may satisfy several requirements at once.
 *
 * @param anyDenyEnds whether a single deny ends the request (the default, and the strictest)
 */
public record Quorum(List<ApprovalRequirement> requirements, boolean anyDenyEnds) {
    public Quorum {
        requirements = List.copyOf(requirements);
    }

    /** @param approverGroups each approving human's id mapped to the groups they belonged to when approving */
    public boolean isMetBy(Map<String, Set<String>> approverGroups) {
        return requirements.stream().allMatch(r -> r.countApprovers(approverGroups) >= r.min());
    }

    /** Whether a human in these groups could count toward at least one requirement. */
    public boolean admits(Set<String> groups) {
        return requirements.stream().anyMatch(r -> r.admits(groups));
    }

    /** In words, as reviewers read it: {@code 2 approval(s) from data-owners or sre (rule prod-pii-export)}. */
    public String describe() {
        return String.join("; ", requirements.stream().map(r -> r.min() + " approval(s) from "
                + (r.from().isEmpty() ? "any human" : String.join(" or ", new java.util.TreeSet<>(r.from())))
                + " (rule " + r.rule() + ")").toList());
    }

    /** The largest number of approvals any one requirement needs; what "approvals needed" means in a headline. */
    public int largestMin() {
        return requirements.stream().mapToInt(ApprovalRequirement::min).max().orElse(0);
    }
}
