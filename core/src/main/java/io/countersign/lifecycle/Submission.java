package io.countersign.lifecycle;

/**
 * The answer to a submit.
 *
 * @param created false when the request was answered by an earlier one (same idempotency key, or an
 *                identical one that needs approval: pending, or approved and not yet run)
 */
public record Submission(ActionRecord record, boolean created) {
}
