package io.countersign.lifecycle;

import java.time.Instant;
import java.util.Set;

/**
 * One human's decision on one request, kept forever (reviews are appended, never updated).
 *
 * @param reviewer whose review it is: the seat in the quorum it takes
 * @param groups   the reviewer's groups at the moment of review; quorum is counted on these
 * @param by       the human who reviewed for {@code reviewer} under a delegation ("by for reviewer"), or null
 * @param byName   that human's name, or null
 */
public record Review(String reviewer, String reviewerName, Set<String> groups, ReviewDecision decision,
                     String comment, Instant at, String by, String byName) {
    public Review {
        groups = Set.copyOf(groups);
    }

    /** A review by the reviewer themself. */
    public Review(String reviewer, String reviewerName, Set<String> groups, ReviewDecision decision, String comment, Instant at) {
        this(reviewer, reviewerName, groups, decision, comment, at, null, null);
    }

    /** Whether {@code principalId} took part in this review, as its reviewer or reviewing for them. */
    public boolean involves(String principalId) {
        return reviewer.equals(principalId) || principalId.equals(by);
    }
}
