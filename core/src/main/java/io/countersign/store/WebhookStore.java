package io.countersign.store;

import java.time.Instant;
import java.util.List;

/**
 * Where outbound webhook delivery stands for each endpoint: the next audit-log entry to deliver, and
 * the outcome of every attempt. The cursor moves only when an entry was delivered or given up, in the
 * same transaction that records it, so a crash repeats a delivery (same webhook-id) and never skips one.
 */
public interface WebhookStore {

    /** One entry's delivery to one endpoint, as last attempted. */
    record Delivery(String endpoint, long leafIndex, String webhookId, int attempts, Integer lastStatus, String lastError,
                    Instant deliveredAt, Instant gaveUpAt) {
    }

    /** The endpoint's cursor; an endpoint seen for the first time starts at {@code initial}. */
    long cursor(String endpoint, long initial);

    /** Whether delivery to the endpoint was stopped (it answered 410 Gone). */
    boolean disabled(String endpoint);

    /**
     * Records an attempt; when {@code delivered} or {@code gaveUp}, moves the cursor past the entry.
     */
    void attempted(Delivery delivery, Instant at);

    /** Moves the cursor to {@code next} past entries that needed no delivery on this route; never moves it back. */
    void advance(String endpoint, long next);

    void disable(String endpoint, String reason, Instant at);

    /** The latest deliveries to an endpoint, newest first. */
    List<Delivery> deliveries(String endpoint, int limit);
}
