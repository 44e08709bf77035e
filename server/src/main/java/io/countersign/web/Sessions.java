package io.countersign.web;

import io.countersign.model.Principal;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Console sessions, in this node's memory: a restart signs everyone out. Ids are 256 random bits;
 * an expired session is gone at the next look.
 */
public final class Sessions {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, ConsoleSession> byId = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final Clock clock;

    public Sessions(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    public ConsoleSession create(Principal principal, String method) {
        Instant now = clock.instant();
        byId.values().removeIf(s -> !s.expiresAt().isAfter(now));
        ConsoleSession session = new ConsoleSession(randomToken(), principal, randomToken(), method, now.plus(ttl));
        byId.put(session.id(), session);
        return session;
    }

    public Optional<ConsoleSession> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        ConsoleSession session = byId.get(id);
        if (session == null) {
            return Optional.empty();
        }
        if (!session.expiresAt().isAfter(clock.instant())) {
            byId.remove(id);
            return Optional.empty();
        }
        return Optional.of(session);
    }

    public void end(String id) {
        if (id != null) {
            byId.remove(id);
        }
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
