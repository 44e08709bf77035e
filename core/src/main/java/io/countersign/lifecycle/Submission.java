package io.countersign.lifecycle;

/**
 * The answer to a submit.
 *
 * @param created false when the request was answered by an earlier one (same idempotency key, or an
 *                identical request still pending)
 */
public record Submission(ActionRecord record, boolean created) {
}
