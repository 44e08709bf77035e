package io.countersign.bench.policy;

/** An engine deciding {@link ComparedRules} for one {@link Sample}, building its own input on each call. */
public interface PolicyEngineUnderTest {
    ComparedRules.Effect decide(Sample sample);
}
