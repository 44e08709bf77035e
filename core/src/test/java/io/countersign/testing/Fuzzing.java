package io.countersign.testing;

/**
 * The seed of every property-based test (jqwik). Fixed, so that a green build stays green and a red one
 * can be replayed exactly; more tries explore further along the same stream
 * ({@code -Djqwik.tries.default=200000}), and a new seed explores elsewhere. The parsers' fuzz tests are
 * coverage-guided (Jazzer) and replay their checked-in inputs instead; see CONTRIBUTING.md.
 */
public final class Fuzzing {
    public static final String SEED = "20261201";

    private Fuzzing() {
    }
}
