package io.countersign.store;

import io.countersign.model.Principal;
import java.time.Instant;
import java.util.Optional;

/**
 * Console sign-in sessions, in the store so that every node of a cluster serves a signed-in reviewer and
 * a restart signs nobody out. A session is found by its id's SHA-256: the store never holds a cookie that
 * would let whoever reads it sign in.
 */
public interface SessionStore {
    /** One session: who, its CSRF token, how they signed in, until when. */
    record Session(String idHash, Principal principal, String csrf, String method, Instant expiresAt) {
    }

    /** Keeps {@code session}; sessions past their time are dropped meanwhile. */
    void save(Session session, Instant now);

    /** The session with this id hash, unless it has expired. */
    Optional<Session> find(String idHash, Instant now);

    void delete(String idHash);
}
