package io.countersign.channels;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a chat channel has already taken (a request signature, an envelope id, an activity id), kept
 * while a copy could still be accepted, so that a replayed or redelivered message counts once.
 */
public final class ReplayGuard {
    private final Map<String, Instant> taken = new ConcurrentHashMap<>();

    /**
     * @param forgetAfter when a copy could no longer pass the other checks, so {@code key} need not be kept
     * @return true the first time {@code key} is offered, false for every copy
     */
    public boolean firstTime(String key, Instant forgetAfter, Instant now) {
        taken.values().removeIf(until -> until.isBefore(now));
        return taken.putIfAbsent(key, forgetAfter) == null;
    }
}
