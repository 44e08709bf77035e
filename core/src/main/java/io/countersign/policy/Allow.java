package io.countersign.policy;

import java.util.List;

/** @param grantTtl from the matched rules' {@code grant_ttl}, or null for the server's default */
public record Allow(List<String> rules, List<String> controls, PolicyVersion version, java.time.Duration grantTtl) implements Decision {
    public Allow {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
    }

    public Allow(List<String> rules, List<String> controls, PolicyVersion version) {
        this(rules, controls, version, null);
    }
}
