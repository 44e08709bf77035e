package io.countersign.channels;

import io.countersign.store.ReplayStore;
import java.time.Instant;

/**
 * What one chat channel has already taken (a request signature, an envelope id, an activity id), kept in
 * the store while a copy could still be accepted, so that a replayed or redelivered message counts once,
 * on any node and after a restart. Each channel has a scope of its own, so their keys never meet.
 */
public final class ReplayGuard {
    private final ReplayStore store;
    private final String scope;

    public ReplayGuard(ReplayStore store, String scope) {
        this.store = store;
        this.scope = scope;
    }

    /**
     * @param forgetAfter when a copy could no longer pass the other checks, so {@code key} need not be kept
     * @return true the first time {@code key} is offered, false for every copy
     * @throws io.countersign.store.StoreUnavailableException when the store cannot say (the message is then refused)
     */
    public boolean firstTime(String key, Instant forgetAfter, Instant now) {
        return store.firstTime(scope + ":" + key, forgetAfter, now);
    }
}
