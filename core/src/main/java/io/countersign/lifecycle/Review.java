package io.countersign.lifecycle;

import java.time.Instant;
import java.util.Set;

/**
 * One human's decision on one request, kept forever (reviews are appended, never updated).
 *
 * @param groups the reviewer's groups at the moment of review; quorum is counted on these
 */
public record Review(String reviewer, String reviewerName, Set<String> groups, ReviewDecision decision,
                     String comment, Instant at) {
    public Review {
        groups = Set.copyOf(groups);
    }
}
