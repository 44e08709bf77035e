package io.countersign.policy;

import java.util.List;

/** @param reason why, in words a requester (or a model) can act on */
public record Deny(List<String> rules, List<String> controls, String reason, PolicyVersion version) implements Decision {
    public Deny {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
    }
}
