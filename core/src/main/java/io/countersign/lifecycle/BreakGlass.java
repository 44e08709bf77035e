package io.countersign.lifecycle;

import io.countersign.model.InvalidInputException;
import java.time.Instant;
import java.util.Locale;

/**
 * An admin let one pending request run without the approvals its policy asks for, in an emergency:
 * who, when, and why in their own words; and, once someone else has looked at it, what they found.
 * It never turns a denial around, and it is in the log like every other decision.
 *
 * @param review the review afterwards; null until someone eligible has given it
 */
public record BreakGlass(String by, String byName, String justification, Instant at, PostHocReview review) {
    /** The shortest justification taken: enough for a sentence on why this could not wait. */
    public static final int MIN_JUSTIFICATION = 20;

    /** What an eligible reviewer found after the fact. */
    public record PostHocReview(String reviewer, String reviewerName, Verdict verdict, String comment, Instant at) {
    }

    public enum Verdict {
        /** The emergency was real and the override fitting. */
        UPHELD,
        /** It was not: the record says so for the auditors, and the comment says why. */
        DISPUTED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Verdict fromWire(String value) {
            for (Verdict verdict : values()) {
                if (verdict.wireName().equals(value)) {
                    return verdict;
                }
            }
            throw new InvalidInputException("verdict", "'verdict' must be upheld or disputed");
        }
    }

    public boolean awaitsReview() {
        return review == null;
    }

    BreakGlass reviewed(PostHocReview postHoc) {
        return new BreakGlass(by, byName, justification, at, postHoc);
    }
}
