package io.countersign.policy;

/** Decides what may happen. Implementations are immutable snapshots or swap snapshots atomically. */
public interface PolicyEngine {
    /**
     * @throws RequirementNotMet when a matched rule's {@code require} condition does not hold
     */
    Decision evaluate(PolicyInput input);

    PolicyVersion version();

    /** Whether {@code decision}, made by this policy, may settle a request pending under stricter terms. */
    default boolean relaxesPending(Decision decision) {
        return false;
    }

    /**
     * Whether a request decided so may name, in {@code context.on_behalf_of}, someone the identities file does
     * not know: only when a rule that matched it says {@code on_behalf_of: any}.
     */
    default boolean acceptsUnknownOnBehalfOf(Decision decision) {
        return false;
    }
}
