package io.countersign.lifecycle;

/**
 * The answer to a submit: a new request, or an earlier one that answers it.
 *
 * @param reused why an earlier request answers this one; {@link Reuse#NONE} when {@code record} is new
 */
public record Submission(ActionRecord record, Reuse reused) {
    /** Why a submission was answered by a request that already existed. */
    public enum Reuse {
        NONE(null),
        /** The requester sent the same idempotency key before, for the same request. */
        IDEMPOTENCY_KEY("idempotency_key"),
        /** An identical request of the same requester is waiting for review: it is the one. */
        PENDING_DUPLICATE("pending_duplicate"),
        /** An identical request of the same requester was approved, has not run, and its approval still stands. */
        APPROVED_DUPLICATE("approved_duplicate");

        private final String wireName;

        Reuse(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    public boolean created() {
        return reused == Reuse.NONE;
    }
}
