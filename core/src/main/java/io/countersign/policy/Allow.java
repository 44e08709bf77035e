package io.countersign.policy;

import java.util.List;

public record Allow(List<String> rules, List<String> controls, PolicyVersion version) implements Decision {
    public Allow {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
    }
}
