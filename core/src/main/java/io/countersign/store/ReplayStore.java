package io.countersign.store;

import java.time.Instant;

/**
 * What the chat channels have already taken (a request signature, a Socket Mode envelope, a Teams
 * activity), kept in the store while a copy could still pass the other checks. Every node of a cluster
 * shares it, so a message replayed to another node, or redelivered after a restart, still counts once.
 */
public interface ReplayStore {
    /**
     * @param key         what identifies the message; the store keeps only its SHA-256
     * @param forgetAfter when a copy could no longer pass the other checks, so the key need not be kept
     * @return true the first time {@code key} is offered, false for every copy (on any node)
     */
    boolean firstTime(String key, Instant forgetAfter, Instant now);
}
