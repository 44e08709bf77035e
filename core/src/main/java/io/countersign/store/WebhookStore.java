package io.countersign.store;

import java.time.Instant;
import java.util.List;

/**
 * Where outbound webhook delivery stands for each endpoint: the next audit-log entry to deliver, and
 * the outcome of every attempt. The cursor moves only when an entry was delivered or given up, in the
 * same transaction that records it, so a crash repeats a delivery (same webhook-id) and never skips one.
 */
public interface WebhookStore extends io.countersign.audit.LogCursors {

    /** One entry's delivery to one endpoint, as last attempted. */
    record Delivery(String endpoint, long leafIndex, String webhookId, int attempts, Integer lastStatus, String lastError,
                    Instant deliveredAt, Instant gaveUpAt) {
    }

    /** Whether delivery to the endpoint was stopped (it answered 410 Gone). */
    boolean disabled(String endpoint);

    /**
     * Records an attempt; when {@code delivered} or {@code gaveUp}, moves the cursor past the entry.
     */
    void attempted(Delivery delivery, Instant at);

    void disable(String endpoint, String reason, Instant at);

    /** The latest deliveries to an endpoint, newest first. */
    List<Delivery> deliveries(String endpoint, int limit);
}
