package io.countersign.lifecycle;

import io.countersign.events.ActionEvent;
import io.countersign.model.ActionId;
import io.countersign.model.Status;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The lifecycle's port to durable storage of action records and their reviews, each change written with
 * the events that describe it. Every write is atomic and durable when the method returns; a failure to make
 * it durable is a {@code StoreUnavailableException}, never a silent loss. Implementations never decide
 * anything: the lifecycle does, and stores apply its results by compare-and-set.
 */
public interface ActionStore {

    /** Outcome of {@link #insert}: the new record, or the existing one it collided with. */
    sealed interface InsertResult {
        ActionRecord record();

        record Inserted(ActionRecord record) implements InsertResult {
        }

        /** The requester already used this idempotency key; {@code record} is the earlier request. */
        record SameIdempotencyKey(ActionRecord record) implements InsertResult {
        }

        /**
         * An identical request (same requester and digest) that needs approval is already pending, or approved
         * and not yet run; {@code record} is it. Either way the requester gets the one request, not a second.
         */
        record Duplicate(ActionRecord record) implements InsertResult {
        }

        /** The requester already has {@code limit} requests waiting for review; {@code record}, the new one, was not stored. */
        record TooManyPending(ActionRecord record, int limit) implements InsertResult {
        }
    }

    /**
     * Which records to list, newest first. Null fields do not filter.
     *
     * @param brokeGlass only requests on which an admin broke glass
     */
    record Query(Status status, String requesterId, int limit, boolean brokeGlass) {
        public Query(Status status, String requesterId, int limit) {
            this(status, requesterId, limit, false);
        }
    }

    /**
     * Stores a new request, unless it collides with an earlier one (same idempotency key, or, for a request
     * that needs approval, an identical one pending or approved and not yet run) or, when it is pending, its requester already has {@code maxPending} requests
     * pending: counted in the transaction that inserts, so the limit holds whatever the other nodes do.
     */
    InsertResult insert(ActionRecord record, List<ActionEvent> events, int maxPending);

    default InsertResult insert(ActionRecord record, List<ActionEvent> events) {
        return insert(record, events, Integer.MAX_VALUE);
    }

    Optional<ActionRecord> find(ActionId id);

    Optional<ActionRecord> findByIdempotencyKey(String requesterId, String idempotencyKey);

    /**
     * Replaces the record if, and only if, its stored version is still {@code next.version() - 1};
     * appends the review (if any) and the events in the same transaction.
     *
     * @return false when another change came first (the caller re-reads and re-decides)
     */
    boolean update(ActionRecord next, Review review, List<ActionEvent> events);

    List<ActionRecord> list(Query query);

    /** Ids of pending requests whose expiry is at or before {@code now}. */
    List<ActionId> overdue(Instant now, int limit);

    /** Ids of pending requests after {@code after} (null: from the first) in id order; for paging through all. */
    List<ActionId> pending(ActionId after, int limit);

    /** Requests created in {@code [from, to)}, in id order, after {@code after} (null: from the first). */
    List<ActionRecord> createdBetween(Instant from, Instant to, ActionId after, int limit);

    /**
     * Tells {@code changed} of every action that changes from now on, including changes made by other
     * nodes sharing this store, so waiters anywhere wake at once. A single-node store has no other
     * writers and tells nothing: the node's own changes are known to it already.
     */
    default void subscribe(java.util.function.Consumer<ActionId> changed) {
    }
}
