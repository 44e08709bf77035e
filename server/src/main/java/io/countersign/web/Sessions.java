package io.countersign.web;

import io.countersign.json.ActionDigest;
import io.countersign.model.Principal;
import io.countersign.store.SessionStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Console sessions, kept in the store (by the SHA-256 of their id) so that every node serves a signed-in
 * reviewer and a restart signs nobody out. Ids are 256 random bits; an expired session is never found.
 */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionStore store;
    private final Duration ttl;
    private final Clock clock;

    public Sessions(SessionStore store, Duration ttl, Clock clock) {
        this.store = store;
        this.ttl = ttl;
        this.clock = clock;
    }

    public ConsoleSession create(Principal principal, String method) {
        Instant now = clock.instant();
        ConsoleSession session = new ConsoleSession(randomToken(), principal, randomToken(), method, now.plus(ttl));
        store.save(new SessionStore.Session(hash(session.id()), principal, session.csrf(), method, session.expiresAt()), now);
        return session;
    }

    public Optional<ConsoleSession> find(String id) {
        if (id == null || id.length() > 128) {
            return Optional.empty();
        }
        return store.find(hash(id), clock.instant())
                .map(s -> new ConsoleSession(id, s.principal(), s.csrf(), s.method(), s.expiresAt()));
    }

    public void end(String id) {
        if (id != null && id.length() <= 128) {
            store.delete(hash(id));
        }
    }

    private static String hash(String id) {
        return HexFormat.of().formatHex(ActionDigest.sha256(id.getBytes(StandardCharsets.UTF_8)));
    }

    public Duration ttl() {
        return ttl;
    }

    /** Whether {@code presented} is the session's CSRF token, compared in constant time. */
    public static boolean csrfMatches(ConsoleSession session, String presented) {
        return presented != null && MessageDigest.isEqual(session.csrf().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
