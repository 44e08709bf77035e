package io.countersign.policy;

import java.util.List;

/**
 * Why a policy decides what it decides about one request: the outcome and, for every rule in policy
 * order, whether it matched and, if not, which part of its condition did not hold.
 *
 * @param decision what policy decides, or null when {@code refusal} is set
 * @param refusal  the unmet {@code require} of a matched rule, which refuses the request, or null
 */
public record Explanation(PolicyVersion version, Decision decision, RequirementNotMet refusal, List<RuleTrace> rules) {
    public Explanation {
        rules = List.copyOf(rules);
    }

    /**
     * @param why         for a rule that did not match, the first part of its condition that did not hold;
     *                    for a condition that could not be evaluated, the error and how it was counted
     * @param requirement for a matched rule with {@code require}: whether it held; otherwise null
     */
    public record RuleTrace(String id, String file, int line, Effect effect, boolean matched, String why, Boolean requirement) {
    }
}
