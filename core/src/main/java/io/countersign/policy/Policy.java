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
    private final Map<String, Rule> byId;

    Policy(List<Rule> rules, Effect defaultEffect, RuleDefaults defaults, PolicyVersion version, List<String> files) {
        this.rules = List.copyOf(rules);
        this.defaultEffect = defaultEffect;
        this.defaults = defaults;
        this.version = version;
        this.files = List.copyOf(files);
        this.byId = this.rules.stream().collect(java.util.stream.Collectors.toUnmodifiableMap(Rule::id, r -> r));
    }

    /** The obligations a {@code require_approval} rule gets when it states none, and the default decision uses. */
    record RuleDefaults(int minApprovals, List<String> approvers, Duration ttl, Justification justification, Duration approvalTtl) {
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
        String action = input.request().action();
        List<Rule> matched = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.when().mayHoldFor(action) && matches(rule, variables)) {
                matched.add(rule);
            }
        }
        return decide(matched, variables);
    }

    /** Evaluates like {@link #evaluate} and says why, rule by rule. Never throws for an unmet requirement. */
    public Explanation explain(PolicyInput input) {
        Map<String, Object> variables = PolicyVariables.of(input);
        List<Rule> matched = new ArrayList<>();
        List<Explanation.RuleTrace> traces = new ArrayList<>();
        for (Rule rule : rules) {
            boolean match;
            String why = null;
            try {
                match = rule.when().test(variables);
                if (!match) {
                    why = rule.when().firstFailingPart(variables);
                }
            } catch (CelEvaluationException | ClassCastException e) {
                match = rule.effect() != Effect.ALLOW;
                why = "could not be evaluated (" + e.getMessage() + "); counted as "
                        + (match ? "matching, as a restrictive rule fails closed" : "not matching, as an allow rule fails closed");
            }
            Boolean requirement = null;
            if (match) {
                matched.add(rule);
                if (rule.require() != null) {
                    requirement = requirementHolds(rule, variables);
                }
            }
            traces.add(new Explanation.RuleTrace(rule.id(), rule.file(), rule.line(), rule.effect(), match, why, requirement));
        }
        try {
            return new Explanation(version, decide(matched, variables), null, traces);
        } catch (RequirementNotMet refusal) {
            return new Explanation(version, null, refusal, traces);
        }
    }

    @Override
    public boolean acceptsUnknownOnBehalfOf(Decision decision) {
        return decision.rules().stream().map(byId::get).anyMatch(r -> r != null && r.anyOnBehalfOf());
    }

    /**
     * Whether a request pending under stricter terms may be settled on the terms of {@code decision}
     * (made by this policy): an allow by a rule that says {@code relax_pending: approve}, or an approval
     * whose every deciding rule says so.
     */
    @Override
    public boolean relaxesPending(Decision decision) {
        return switch (decision) {
            case Allow allow -> allow.rules().stream().map(byId::get)
                    .anyMatch(r -> r != null && r.effect() == Effect.ALLOW && r.relaxPending());
            case RequireApproval approval -> {
                List<Rule> deciding = approval.rules().stream().map(byId::get)
                        .filter(r -> r != null && r.effect() == Effect.REQUIRE_APPROVAL).toList();
                yield !deciding.isEmpty() && deciding.stream().allMatch(Rule::relaxPending);
            }
            case Deny deny -> false;
        };
    }

    private Decision decide(List<Rule> matched, Map<String, Object> variables) {
        List<String> ids = matched.stream().map(Rule::id).toList();
        List<String> controls = matched.stream().flatMap(r -> r.controls().stream()).distinct().toList();
        Effect effect = matched.stream().map(Rule::effect).max(Enum::compareTo).orElse(defaultEffect);

        if (effect == Effect.DENY) {
            if (matched.isEmpty()) {
                return new Deny(ids, controls, "no policy rule matched and the policy default is deny", version);
            }
            Rule deciding = matched.stream().filter(r -> r.effect() == Effect.DENY).findFirst().orElseThrow();
            return new Deny(ids, controls, deciding.reason(), version, deciding.id());
        }
        for (Rule rule : matched) {
            checkRequirement(rule, variables);
        }
        Duration grantTtl = matched.stream().map(Rule::grantTtl).filter(java.util.Objects::nonNull)
                .min(Duration::compareTo).orElse(null);
        if (effect == Effect.ALLOW) {
            return new Allow(ids, controls, version, grantTtl);
        }
        List<Rule> approvalRules = matched.stream().filter(r -> r.effect() == Effect.REQUIRE_APPROVAL).toList();
        if (approvalRules.isEmpty()) {
            return new RequireApproval(ids, controls,
                    new Quorum(List.of(new ApprovalRequirement("default", defaults.minApprovals(), Set.copyOf(defaults.approvers()))), true),
                    defaults.ttl(), defaults.justification(), List.of(), version, grantTtl, defaults.approvalTtl(), true);
        }
        List<ApprovalRequirement> requirements = Quorum.combine(approvalRules.stream().map(Rule::requirements).toList());
        boolean anyDenyEnds = approvalRules.stream().anyMatch(Rule::anyDenyEnds);
        Duration ttl = approvalRules.stream().map(Rule::ttl).min(Duration::compareTo).orElseThrow();
        Justification justification = approvalRules.stream().anyMatch(r -> r.justification() == Justification.REQUIRED)
                ? Justification.REQUIRED : Justification.OPTIONAL;
        Set<String> notify = new LinkedHashSet<>();
        approvalRules.forEach(r -> notify.addAll(r.channels()));
        Duration approvalTtl = approvalRules.stream().map(Rule::approvalTtl).min(Duration::compareTo).orElseThrow();
        // Any matched rule that forbids break-glass forbids it, whatever effect it has.
        boolean breakGlass = matched.stream().allMatch(Rule::breakGlass);
        return new RequireApproval(ids, controls, new Quorum(requirements, anyDenyEnds), ttl, justification,
                List.copyOf(notify), version, grantTtl, approvalTtl, breakGlass,
                Nudges.combine(approvalRules.stream().map(Rule::nudges).toList()));
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
        if (rule.require() != null && !requirementHolds(rule, variables)) {
            throw new RequirementNotMet(rule.id(), rule.requireMessage(), rule.controls());
        }
    }

    /** A requirement that cannot be evaluated does not hold (fail closed). */
    private static boolean requirementHolds(Rule rule, Map<String, Object> variables) {
        try {
            return rule.require().test(variables);
        } catch (CelEvaluationException | ClassCastException e) {
            return false;
        }
    }
}
