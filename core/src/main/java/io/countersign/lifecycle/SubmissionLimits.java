package io.countersign.lifecycle;

/**
 * How much one principal may ask of Countersign and of its reviewers. Flooding reviewers with requests
 * is an attack (approval fatigue: the hundredth prompt gets approved unread), so a requester may have
 * only so many requests waiting for review at once, counted by the store in the same transaction as the
 * insert (so it holds across a cluster); and submissions are rate-limited per principal, per node.
 *
 * @param maxPending        requests of one requester that may wait for review at once
 * @param perSecond         sustained submissions per second of one principal
 * @param burst             submissions one principal may make at once before the rate applies
 */
public record SubmissionLimits(int maxPending, double perSecond, int burst) {
    /** Generous for agents, tight enough that no reviewer inbox is buried. */
    public static final SubmissionLimits DEFAULT = new SubmissionLimits(50, 50, 200);
    /** For tests and benchmarks that load one principal hard. */
    public static final SubmissionLimits NONE = new SubmissionLimits(Integer.MAX_VALUE, Double.POSITIVE_INFINITY, Integer.MAX_VALUE);

    public SubmissionLimits {
        if (maxPending < 1) {
            throw new IllegalArgumentException("max_pending must be at least 1");
        }
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("per_second must be positive");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1");
        }
    }
}
