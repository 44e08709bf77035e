package io.countersign.bench.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * One rule set over principal, action, resource and context, written once and rendered both as a
 * Countersign policy (CEL conditions) and as Cedar policies, so the two engines decide the same thing.
 *
 * <p>Rules cycle through five shapes, each over its own service {@code svcK} so that a request matches
 * a handful of rules, as in real policies: an exact action with an environment, an action prefix with a
 * data label, an exact action with the principal's kind, an action prefix with a context number, and
 * reads or small listings. Cedar has no "hold for approval" effect: such rules are {@code permit}s whose
 * position marks them, and {@link #combine} turns Cedar's answer into Countersign's three-way decision
 * the way a gateway built on Cedar would (deny &gt; require_approval &gt; allow, default require_approval).
 */
public record ComparedRules(List<Rule> rules) {
    public enum Effect { ALLOW, REQUIRE_APPROVAL, DENY }

    public enum Shape { EXPORT_IN_ENV, PREFIX_WITH_LABEL, DELETE_BY_KIND, PREFIX_WITH_ROWS, READ_OR_SMALL_LIST }

    public record Rule(int index, Shape shape, String service, Effect effect) {
        String id() {
            return "rule-" + index;
        }
    }

    /** {@code count} rules; every tenth rule of the rows shape denies. */
    public static ComparedRules of(int count) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Shape shape = Shape.values()[i % 5];
            Effect effect = switch (shape) {
                case EXPORT_IN_ENV, PREFIX_WITH_LABEL, DELETE_BY_KIND -> Effect.REQUIRE_APPROVAL;
                case PREFIX_WITH_ROWS -> i % 10 == 3 ? Effect.DENY : Effect.REQUIRE_APPROVAL;
                case READ_OR_SMALL_LIST -> Effect.ALLOW;
            };
            rules.add(new Rule(i, shape, "svc" + (i / 5), effect));
        }
        return new ComparedRules(List.copyOf(rules));
    }

    public int services() {
        return (rules.size() + 4) / 5;
    }

    /** The Countersign policy file. */
    public String countersignYaml() {
        StringBuilder yaml = new StringBuilder("version: 1\ndefault: require_approval\nrules:\n");
        for (Rule rule : rules) {
            String s = rule.service();
            String when = switch (rule.shape()) {
                case EXPORT_IN_ENV -> "action == \"" + s + ".export\" && resource.env == \"prod\"";
                case PREFIX_WITH_LABEL -> "action.startsWith(\"" + s + ".\") && has(resource.labels.data_class) && resource.labels.data_class == \"pii\"";
                case DELETE_BY_KIND -> "action == \"" + s + ".delete\" && principal.kind == \"agent\"";
                case PREFIX_WITH_ROWS -> "action.startsWith(\"" + s + ".\") && has(context.rows_estimate) && context.rows_estimate > 1000000";
                case READ_OR_SMALL_LIST -> "action == \"" + s + ".read\" || (action == \"" + s + ".list\" && has(context.rows_estimate) && context.rows_estimate < 100)";
            };
            yaml.append("  - id: ").append(rule.id()).append('\n')
                    .append("    when: '").append(when).append("'\n")
                    .append("    effect: ").append(rule.effect().name().toLowerCase()).append('\n');
            if (rule.effect() == Effect.REQUIRE_APPROVAL) {
                yaml.append("    approvals: {min: 1, from: [sre]}\n");
            }
        }
        return yaml.toString();
    }

    /** The same rules in Cedar, one policy per rule, in rule order (Cedar names them policy0, policy1, …). */
    public String cedarPolicies() {
        StringBuilder cedar = new StringBuilder();
        for (Rule rule : rules) {
            String s = rule.service();
            String head = rule.effect() == Effect.DENY ? "forbid" : "permit";
            String scopeAndCondition = switch (rule.shape()) {
                case EXPORT_IN_ENV -> "(principal, action == Action::\"" + s + ".export\", resource) when { resource.env == \"prod\" }";
                case PREFIX_WITH_LABEL -> "(principal, action, resource) when { context.action like \"" + s + ".*\" && resource.labels has data_class && resource.labels.data_class == \"pii\" }";
                case DELETE_BY_KIND -> "(principal, action == Action::\"" + s + ".delete\", resource) when { principal.kind == \"agent\" }";
                case PREFIX_WITH_ROWS -> "(principal, action, resource) when { context.action like \"" + s + ".*\" && context has rows_estimate && context.rows_estimate > 1000000 }";
                case READ_OR_SMALL_LIST -> "(principal, action in [Action::\"" + s + ".read\", Action::\"" + s + ".list\"], resource) when { action == Action::\"" + s + ".read\" || (context has rows_estimate && context.rows_estimate < 100) }";
            };
            cedar.append("@id(\"").append(rule.id()).append("\")\n").append(head).append(scopeAndCondition).append(";\n");
        }
        return cedar.toString();
    }

    /**
     * Countersign's decision from Cedar's: a forbid that matched denies; otherwise any matched permit that
     * stands for an approval rule holds the action; permits of allow rules alone allow; nothing matched
     * is the policy default.
     *
     * @param allowed Cedar's decision
     * @param reasons the determining policies Cedar reports ({@code policyN}, N the rule's position)
     */
    public Effect combine(boolean allowed, Iterable<String> reasons) {
        boolean any = false;
        boolean approval = false;
        for (String reason : reasons) {
            any = true;
            Rule rule = rules.get(Integer.parseInt(reason.substring("policy".length())));
            approval |= rule.effect() == Effect.REQUIRE_APPROVAL;
        }
        if (!allowed) {
            return any ? Effect.DENY : Effect.REQUIRE_APPROVAL;
        }
        return approval ? Effect.REQUIRE_APPROVAL : Effect.ALLOW;
    }
}
