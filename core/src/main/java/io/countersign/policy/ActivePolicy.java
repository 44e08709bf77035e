package io.countersign.policy;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy in force. A reload swaps in a new, fully validated {@link Policy} in one step, so every
 * decision is made by exactly one version, never by a half-loaded mix.
 */
public final class ActivePolicy implements PolicyEngine {
    private final AtomicReference<Policy> current;

    public ActivePolicy(Policy initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Policy current() {
        return current.get();
    }

    /** @return the policy it replaced */
    public Policy activate(Policy next) {
        return current.getAndSet(next);
    }

    @Override
    public Decision evaluate(PolicyInput input) {
        return current.get().evaluate(input);
    }

    @Override
    public PolicyVersion version() {
        return current.get().version();
    }

    @Override
    public boolean acceptsUnknownOnBehalfOf(Decision decision) {
        return current.get().acceptsUnknownOnBehalfOf(decision);
    }

    @Override
    public boolean relaxesPending(Decision decision) {
        return current.get().relaxesPending(decision);
    }
}
