package io.countersign.policy;

import dev.cel.runtime.CelEvaluationException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable, loaded policy. Combination: the most restrictive matching effect wins
 * (deny &gt; require_approval &gt; allow); among approval rules every rule's requirement must be met,
 * the shortest TTL applies and any rule demanding a justification demands it for all.
 */
public final class Policy implements PolicyEngine {
    private static final System.Logger LOG = System.getLogger(Policy.class.getName());

    private final List<Rule> rules;
    private final Effect defaultEffect;
    private final RuleDefaults defaults;
    private final PolicyVersion version;
    private final List<String> files;

    Policy(List<Rule> rules, Effect defaultEffect, RuleDefaults defaults, PolicyVersion version, List<String> files) {
        this.rules = List.copyOf(rules);
        this.defaultEffect = defaultEffect;
        this.defaults = defaults;
        this.version = version;
        this.files = List.copyOf(files);
    }

    /** The obligations a {@code require_approval} rule gets when it states none, and the default decision uses. */
    record RuleDefaults(int minApprovals, List<String> approvers, Duration ttl, Justification justification) {
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<String> files() {
        return files;
    }

    public Effect defaultEffect() {
        return defaultEffect;
    }

    @Override
    public PolicyVersion version() {
        return version;
    }

    @Override
    public Decision evaluate(PolicyInput input) {
        Map<String, Object> variables = PolicyVariables.of(input);
        List<Rule> matched = new ArrayList<>();
        for (Rule rule : rules) {
            if (matches(rule, variables)) {
                matched.add(rule);
            }
        }
        List<String> ids = matched.stream().map(Rule::id).toList();
        List<String> controls = matched.stream().flatMap(r -> r.controls().stream()).distinct().toList();
        Effect effect = matched.stream().map(Rule::effect).max(Enum::compareTo).orElse(defaultEffect);

        if (effect == Effect.DENY) {
            String reason = matched.isEmpty()
                    ? "no policy rule matched and the policy default is deny"
                    : matched.stream().filter(r -> r.effect() == Effect.DENY).map(Rule::reason).findFirst().orElseThrow();
            return new Deny(ids, controls, reason, version);
        }
        for (Rule rule : matched) {
            checkRequirement(rule, variables);
        }
        if (effect == Effect.ALLOW) {
            return new Allow(ids, controls, version);
        }
        List<Rule> approvalRules = matched.stream().filter(r -> r.effect() == Effect.REQUIRE_APPROVAL).toList();
        if (approvalRules.isEmpty()) {
            return new RequireApproval(ids, controls,
                    new Quorum(List.of(new ApprovalRequirement("default", defaults.minApprovals(), Set.copyOf(defaults.approvers()))), true),
                    defaults.ttl(), defaults.justification(), List.of(), version);
        }
        List<ApprovalRequirement> requirements = approvalRules.stream()
                .map(r -> new ApprovalRequirement(r.id(), r.minApprovals(), Set.copyOf(r.approvers())))
                .toList();
        boolean anyDenyEnds = approvalRules.stream().anyMatch(Rule::anyDenyEnds);
        Duration ttl = approvalRules.stream().map(Rule::ttl).min(Duration::compareTo).orElseThrow();
        Justification justification = approvalRules.stream().anyMatch(r -> r.justification() == Justification.REQUIRED)
                ? Justification.REQUIRED : Justification.OPTIONAL;
        Set<String> notify = new LinkedHashSet<>();
        approvalRules.forEach(r -> notify.addAll(r.channels()));
        return new RequireApproval(ids, controls, new Quorum(requirements, anyDenyEnds), ttl, justification,
                List.copyOf(notify), version);
    }

    /**
     * A condition that cannot be evaluated for this request fails closed: it never grants (allow rules
     * do not match) and always restricts (deny and approval rules do).
     */
    private static boolean matches(Rule rule, Map<String, Object> variables) {
        try {
            return rule.when().test(variables);
        } catch (CelEvaluationException | ClassCastException e) {
            boolean restrictive = rule.effect() != Effect.ALLOW;
            LOG.log(Level.WARNING, "rule {0} in {1} could not be evaluated ({2}); treated as {3}",
                    rule.id(), rule.file(), e.getMessage(), restrictive ? "matching" : "not matching");
            return restrictive;
        }
    }

    private static void checkRequirement(Rule rule, Map<String, Object> variables) {
        if (rule.require() == null) {
            return;
        }
        boolean met;
        try {
            met = rule.require().test(variables);
        } catch (CelEvaluationException | ClassCastException e) {
            met = false;
        }
        if (!met) {
            throw new RequirementNotMet(rule.id(), rule.requireMessage());
        }
    }
}
