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
 * @param expiresAt when a pending request expires; null for requests that were never pending
 */
public record ActionRecord(ActionId id, Requester requester, ActionRequest request, String digest, Status status,
                           long version, Decision decision, List<Review> reviews, Instant createdAt,
                           Instant updatedAt, Instant expiresAt) {
    public ActionRecord {
        reviews = List.copyOf(reviews);
    }

    ActionRecord with(Status newStatus, List<Review> newReviews, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, decision, newReviews,
                createdAt, now, expiresAt);
    }

    ActionRecord withDecision(Status newStatus, Decision newDecision, Instant newExpiresAt, Instant now) {
        return new ActionRecord(id, requester, request, digest, newStatus, version + 1, newDecision, reviews,
                createdAt, now, newExpiresAt);
    }

    public boolean isOverdue(Instant now) {
        return status == Status.PENDING && expiresAt != null && !now.isBefore(expiresAt);
    }
}
