package io.countersign.webhooks;

import io.countersign.audit.LogEntry;
import io.countersign.audit.LogFollower;
import io.countersign.audit.LogSubscriber;
import io.countersign.model.ActionId;
import io.countersign.store.CallbackStore;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Follows the audit log and queues each action's entries for the callback URL its requester named, per
 * destination, in the write that moves its position: it never waits for an agent's endpoint, so one that
 * is slow or down holds up nobody's callbacks but its own ({@link CallbackDispatcher} delivers them).
 */
public final class CallbackQueue implements LogSubscriber {
    /** The position of the callbacks, as it has always been named. */
    public static final String CURSOR = "callbacks";

    private final Callbacks callbacks;
    private final Function<ActionId, Optional<URI>> callbackOf;
    private final CallbackStore store;
    private final Runnable queued;
    private final Clock clock;

    /**
     * @param callbackOf the callback URL of an action, if its requester named one
     * @param queued     told when something was queued, to wake the dispatcher
     */
    public CallbackQueue(Callbacks callbacks, Function<ActionId, Optional<URI>> callbackOf, CallbackStore store, Runnable queued, Clock clock) {
        this.callbacks = callbacks;
        this.callbackOf = callbackOf;
        this.store = store;
        this.queued = queued;
        this.clock = clock;
    }

    @Override
    public String cursor() {
        return CURSOR;
    }

    @Override
    public String name() {
        return "countersign-callbacks";
    }

    @Override
    public LogFollower.Handled handle(LogFollower follower, LogEntry entry) {
        ActionId id = entry.event().actionId();
        // Checked again at delivery time: the allow-list may have narrowed since the request was accepted.
        Optional<URI> url = id == null ? Optional.empty() : callbackOf.apply(id).filter(callbacks::allows);
        if (url.isEmpty()) {
            return LogFollower.Handled.PASSED;
        }
        store.enqueue(List.of(new CallbackStore.Queued(Callbacks.destination(url.get()), url.get().toString(), entry.index())), CURSOR,
                entry.index() + 1, clock.instant());
        queued.run();
        return LogFollower.Handled.RECORDED;
    }
}
