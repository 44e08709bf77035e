package io.countersign.lifecycle;

import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Status;
import io.countersign.policy.Decision;
import java.time.Instant;
import java.util.List;

/**
 * An action request as stored: what was asked, what policy decided, who reviewed, where it stands.
 *
 * @param version   incremented by every change; stores apply changes by compare-and-set on it
 * @param expiresAt when a pending request expires, or when an approved one's approval lapses if it has not run
 *                  by then; null for requests that were never held
 * @param execution how it was run, once a grant for it was used; null before
 * @param breakGlass  the admin's emergency override that let it run without its approvals; null for nearly all
 */
public record ActionRecord(ActionId id, Requester requester, ActionRequest request, String digest, Status status,
                           long version, Decision decision, List<Review> reviews, Instant createdAt,
                           Instant updatedAt, Instant expiresAt, Execution execution, BreakGlass breakGlass) {
    public ActionRecord {
        reviews = List.copyOf(reviews);
    }

    public ActionRecord(ActionId id, Requester requester, ActionRequest request, String digest, Status status,
                        long version, Decision decision, List<Review> reviews, Instant createdAt,
                        Instant updatedAt, Instant expiresAt, Execution execution) {
        this(id, requester, request, digest, status, version, decision, reviews, createdAt, updatedAt, expiresAt, execution, null);
    }

    ActionRecord with(Status newStatus, List<Review> newReviews, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, decision, newReviews,
                createdAt, now, expiresAt, execution, breakGlass);
    }

    ActionRecord withDecision(Status newStatus, Decision newDecision, Instant newExpiresAt, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, newDecision, reviews,
                createdAt, now, newExpiresAt, execution, breakGlass);
    }

    ActionRecord withExecution(Status newStatus, Execution newExecution, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, decision, reviews,
                createdAt, now, expiresAt, newExecution, breakGlass);
    }

    ActionRecord withBreakGlass(Status newStatus, BreakGlass newBreakGlass, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, decision, reviews,
                createdAt, now, expiresAt, execution, newBreakGlass);
    }

    /** Approved now, by {@code newReviews} or by broken glass: runnable until {@code approvalExpiresAt}. */
    ActionRecord approved(Decision newDecision, List<Review> newReviews, BreakGlass newBreakGlass, Instant approvalExpiresAt, Instant now) {
        return new ActionRecord(id, requester, request, digest, Status.APPROVED, version + 1, newDecision, newReviews,
                createdAt, now, approvalExpiresAt, execution, newBreakGlass);
    }

    /** The same record with its reviews, as the store reads them separately. */
    public ActionRecord withReviews(List<Review> storedReviews) {
        return new ActionRecord(id, requester, request, digest, status, version, decision, storedReviews,
                createdAt, updatedAt, expiresAt, execution, breakGlass);
    }

    /** Allowed by policy or approved by people, and not yet run. */
    public boolean isRunnable() {
        return (status == Status.ALLOWED || status == Status.APPROVED) && execution == null;
    }

    /** A pending request past its expiry, or an approval not used by the end of its window: either expires now. */
    public boolean isOverdue(Instant now) {
        boolean lapses = status == Status.PENDING || (status == Status.APPROVED && execution == null);
        return lapses && expiresAt != null && !now.isBefore(expiresAt);
    }

    /**
     * Expired after it was approved, without having run: its approval lapsed. (A request that expired while
     * pending never met its quorum, or it would have been approved; one approved by a relaxed policy holds an allow.)
     */
    public boolean approvalLapsed() {
        if (status != Status.EXPIRED || execution != null) {
            return false;
        }
        return breakGlass != null || switch (decision) {
            case io.countersign.policy.RequireApproval terms -> terms.quorum().isMetBy(Lifecycle.approvers(this));
            case io.countersign.policy.Allow allow -> true;
            case io.countersign.policy.Deny deny -> false;
        };
    }
}
