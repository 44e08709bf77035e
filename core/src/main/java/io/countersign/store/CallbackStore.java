package io.countersign.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Callbacks to agents, queued per destination ({@code scheme://host:port}): each destination gets its
 * callbacks in log order, and waits only for its own retries, so an endpoint that is slow, down or asks to
 * be left alone for days delays no other. Queued from the log in the same write that moves the queue's
 * position, so a restart neither loses nor repeats one.
 */
public interface CallbackStore {
    /** One callback to queue: the log entry at {@code logIndex}, to {@code url}. */
    record Queued(String destination, String url, long logIndex) {
    }

    /** One queued callback, as its next attempt finds it. */
    record Pending(long id, String destination, String url, long logIndex, int attempts, Instant nextAt) {
    }

    /** Queues {@code callbacks} (due now) and moves the position {@code cursor} to {@code next}, in one write. */
    void enqueue(List<Queued> callbacks, String cursor, long next, Instant now);

    /** Destinations whose oldest pending callback is due by {@code now}, at most {@code limit}. */
    List<String> dueDestinations(Instant now, int limit);

    /**
     * The oldest pending callbacks to {@code destination}, in log order, at most {@code limit}: the head, whose
     * next attempt may have to wait, and those queued behind it.
     */
    List<Pending> heads(String destination, int limit);

    /**
     * How one attempt went: {@code done} (delivered, or given up) takes it off the queue; otherwise it waits
     * until {@code nextAt}.
     */
    record Attempt(long id, int attempts, Integer status, String error, boolean done, boolean delivered, Instant nextAt, Instant at) {
    }

    /** Records attempts in one write: a destination's run of deliveries costs one commit, not one each. */
    void attempted(List<Attempt> attempts);
}
