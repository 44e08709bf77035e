package io.countersign.events;

import io.countersign.model.ActionId;
import java.time.Instant;
import java.util.List;

/**
 * The recorded events, as written with the changes they describe: what the reloaders and the refusal log
 * append on their own, and what the console, the evidence report and the reloaders read back. Durable when a
 * call returns; a failure is a {@code StoreUnavailableException}.
 */
public interface EventStore {
    /** Records events of their own (a policy load, a refused attempt), durably and in order. */
    void append(List<ActionEvent> events);

    /** The latest events of one type among those that belong to no single action (policy loads), newest first. */
    List<ActionEvent> recentSystemEvents(EventType type, int limit);

    /** The events recorded for one action, oldest first. */
    List<ActionEvent> events(ActionId id);

    /** Refused attempts ({@code attempt.refused}, {@code grant.refused}) recorded in {@code [from, to)}, in log order. */
    List<ActionEvent> refusedAttempts(Instant from, Instant to);
}
