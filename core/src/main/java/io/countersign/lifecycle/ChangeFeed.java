package io.countersign.lifecycle;

import io.countersign.model.ActionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Wakes waiters when an action changes. Waiters subscribe before they read, so a change that lands
 * between their read and their wait still wakes them.
 */
public final class ChangeFeed {
    private final ConcurrentMap<ActionId, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    /** A future completed at the next change of {@code id}. */
    public CompletableFuture<Void> nextChange(ActionId id) {
        return waiting.computeIfAbsent(id, key -> new CompletableFuture<>());
    }

    public void changed(ActionId id) {
        CompletableFuture<Void> future = waiting.remove(id);
        if (future != null) {
            future.complete(null);
        }
    }

    /** Number of actions with at least one waiter; for metrics and tests. */
    public int watched() {
        return waiting.size();
    }
}
