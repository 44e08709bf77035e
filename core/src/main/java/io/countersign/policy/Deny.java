package io.countersign.policy;

import java.util.List;

/**
 * @param reason why, in words a requester (or a model) can act on
 * @param rule   the deny rule that decided it (the first that matched), or null for a policy's default deny; the
 *               other matched rules may well be allow rules, so refusals name this one
 */
public record Deny(List<String> rules, List<String> controls, String reason, PolicyVersion version, String rule) implements Decision {
    public Deny {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
    }

    /** A deny not decided by one rule (a policy default, a resource the inventory now contradicts). */
    public Deny(List<String> rules, List<String> controls, String reason, PolicyVersion version) {
        this(rules, controls, reason, version, null);
    }
}
