package io.countersign.testing;

import java.util.List;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * A small mutation fuzzer for text formats: a valid seed with one to six random edits (a character
 * replaced, dropped or inserted, a span deleted or repeated), drawn from characters that matter to JSON,
 * YAML and line formats. Mutants stay close to valid input, so they reach the parser's deep paths
 * rather than failing at the first byte, as coverage-guided fuzzers' mutants do.
 */
public final class Mutations {
    private static final String SIGNIFICANT = "{}[]\":,\\ \n\t-0123456789.eE+truefalsnl#&*!|>'%@`\u0000\u00e9\u2028\ud83d\ude00";

    private Mutations() {
    }

    /** One of the seeds, mutated. */
    public static Arbitrary<String> of(List<String> seeds) {
        return Combinators.combine(Arbitraries.of(seeds), mutation()).as((seed, mutate) -> mutate.apply(seed));
    }

    /** A mutation to apply to a seed made afresh for each try (one that must carry a new id each time, say). */
    public static Arbitrary<UnaryOperator<String>> mutation() {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(1, 40), Arbitraries.strings().withChars(SIGNIFICANT).ofMinLength(1).ofMaxLength(8))
                .as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(6).map(edits -> seed -> {
            String text = seed;
            for (Edit e : edits) {
                text = e.apply(text);
            }
            return text;
        });
    }

    /** @param where the position, as a fraction of the text's length */
    private record Edit(int kind, double where, int span, String chars) {
        String apply(String text) {
            int at = (int) (where * text.length());
            int end = Math.min(text.length(), at + span);
            return switch (kind) {
                case 0 -> text.substring(0, at) + chars + text.substring(Math.min(text.length(), at + 1));
                case 1 -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1));
                case 2 -> text.substring(0, at) + chars + text.substring(at);
                case 3 -> text.substring(0, at) + text.substring(end);
                default -> text.substring(0, end) + text.substring(at, end) + text.substring(end);
            };
        }
    }
}
