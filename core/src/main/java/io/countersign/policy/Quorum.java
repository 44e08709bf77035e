package io.countersign.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who must approve, in stages decided in order. Within a stage every requirement must be met, except that
 * requirements marked as alternatives ({@code any_of}) need only one of them; each counts distinct humans,
 * so one person in two groups is one approval and may meet several requirements of the stage at once. An
 * approver counts toward the stage that was open when they approved and no other: every stage's approvers
 * are distinct humans across the whole request. A request of one stage is what every rule was before stages.
 *
 * @param anyDenyEnds whether a single deny ends the request (the default, and the strictest)
 */
public record Quorum(List<ApprovalRequirement> requirements, boolean anyDenyEnds) {
    public Quorum {
        requirements = List.copyOf(requirements);
    }

    /** How many stages the review has (at least one). */
    public int stages() {
        return requirements.stream().mapToInt(ApprovalRequirement::stage).max().orElse(0) + 1;
    }

    /** Whether this quorum has more than one stage or any alternatives, so it needs more than one line to say. */
    public boolean isStaged() {
        return stages() > 1 || requirements.stream().anyMatch(r -> r.anyOf() != ApprovalRequirement.ALONE);
    }

    /** @param approverGroups each approving human's id mapped to the groups they had, in the order they approved */
    public boolean isMetBy(Map<String, Set<String>> approverGroups) {
        return openStage(approverGroups) >= stages();
    }

    /**
     * The stage open for review after these approvals (0-based); {@link #stages()} once all are met. Each
     * approval counts toward the stage open when it came; one the open stage does not take (given before a
     * policy change) counts toward none.
     */
    public int openStage(Map<String, Set<String>> approverGroups) {
        return countedByStage(approverGroups).size() - 1;
    }

    /**
     * The approvers each stage counted, stage by stage up to the open one (the last entry; empty when none has
     * approved in it yet). Once every stage is met the list has one entry more than there are stages.
     */
    public List<Map<String, Set<String>>> countedByStage(Map<String, Set<String>> approverGroups) {
        List<Map<String, Set<String>>> stages = new ArrayList<>();
        Map<String, Set<String>> counted = new LinkedHashMap<>();
        stages.add(counted);
        for (Map.Entry<String, Set<String>> approver : approverGroups.entrySet()) {
            int stage = stages.size() - 1;
            if (stage >= stages()) {
                break;
            }
            if (admitsAt(stage, approver.getValue())) {
                counted.put(approver.getKey(), approver.getValue());
                if (stageMet(stage, counted)) {
                    counted = new LinkedHashMap<>();
                    stages.add(counted);
                }
            }
        }
        return stages;
    }

    /** Whether a human in these groups counts toward {@code stage}. */
    public boolean admitsAt(int stage, Set<String> groups) {
        return requirements.stream().anyMatch(r -> r.stage() == stage && r.admits(groups));
    }

    /** Whether a human in these groups could count toward any stage. */
    public boolean admits(Set<String> groups) {
        return requirements.stream().anyMatch(r -> r.admits(groups));
    }

    /** The groups whose members count toward {@code stage}, sorted; empty when any human does. */
    public List<String> groupsAt(int stage) {
        return requirements.stream().filter(r -> r.stage() == stage).flatMap(r -> r.from().stream()).sorted().distinct().toList();
    }

    private boolean stageMet(int stage, Map<String, Set<String>> approvers) {
        return clauses(stage).values().stream().allMatch(clause -> clause.stream().anyMatch(r -> r.countApprovers(approvers) >= r.min()));
    }

    /** A stage's requirements as what must all hold, each a list of alternatives (one element when it stands alone). */
    private Map<String, List<ApprovalRequirement>> clauses(int stage) {
        Map<String, List<ApprovalRequirement>> clauses = new LinkedHashMap<>();
        int alone = 0;
        for (ApprovalRequirement r : requirements) {
            if (r.stage() == stage) {
                String key = r.anyOf() == ApprovalRequirement.ALONE ? "alone-" + alone++ : "any-" + r.anyOf();
                clauses.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
            }
        }
        return clauses;
    }

    /**
     * In words, as reviewers read it: {@code 2 approval(s) from data-owners or sre (rule prod-pii-export)}; for
     * stages, {@code stage 1: …; then stage 2: …}, alternatives as {@code one of (…, or …)}.
     */
    public String describe() {
        if (!isStaged()) {
            return String.join("; ", requirements.stream().map(Quorum::describe).toList());
        }
        List<String> stages = new ArrayList<>();
        for (int stage = 0; stage < stages(); stage++) {
            stages.add((stage == 0 ? "stage 1: " : "then stage " + (stage + 1) + ": ") + describeStage(stage));
        }
        return String.join("; ", stages);
    }

    /** One stage in words. */
    public String describeStage(int stage) {
        List<String> parts = new ArrayList<>();
        for (List<ApprovalRequirement> clause : clauses(stage).values()) {
            List<String> each = clause.stream().map(Quorum::describe).toList();
            parts.add(each.size() == 1 ? each.getFirst() : "one of (" + String.join(", or ", each) + ")");
        }
        return String.join(" and ", parts);
    }

    private static String describe(ApprovalRequirement r) {
        return r.min() + " approval(s) from " + (r.from().isEmpty() ? "any human" : String.join(" or ", new TreeSet<>(r.from())))
                + " (rule " + r.rule() + ")";
    }

    /** The largest number of approvals any one requirement needs; what "approvals needed" means in a headline. */
    public int largestMin() {
        return requirements.stream().mapToInt(ApprovalRequirement::min).max().orElse(0);
    }

    /**
     * Rules combined into one decision: stage by stage, every rule's demands of that stage together (each rule's
     * alternatives stay alternatives among themselves).
     */
    static List<ApprovalRequirement> combine(List<List<ApprovalRequirement>> perRule) {
        List<ApprovalRequirement> combined = new ArrayList<>();
        int offset = 0;
        for (List<ApprovalRequirement> rule : perRule) {
            TreeMap<Integer, Integer> renumbered = new TreeMap<>();
            for (ApprovalRequirement r : rule) {
                if (r.anyOf() == ApprovalRequirement.ALONE) {
                    combined.add(r);
                } else {
                    int number = renumbered.computeIfAbsent(r.anyOf(), k -> renumbered.size());
                    combined.add(r.at(r.stage(), offset + number));
                }
            }
            offset += renumbered.size();
        }
        return combined;
    }
}
