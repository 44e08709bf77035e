package io.countersign.grants;

import io.countersign.model.ActionDigest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The grants one {@link Grants} issued lately, by the SHA-256 of their token (never the bearer token
 * itself). A token presented back that hashes to one of these is byte for byte a token this key signed,
 * so its Ed25519 check can be skipped: with the JOSE library's Ed25519 that check is the costliest part
 * of recording an outcome (about 170 µs and 300 KB of garbage here). The oldest are forgotten first; a
 * grant forgotten, or issued by another node, is simply verified in full.
 */
final class IssuedMemory {
    static final int CAPACITY = 8192;

    record Known(Grants.Grant grant, Instant notBefore) {
    }

    private final Map<String, Known> known = new ConcurrentHashMap<>();
    private final Queue<String> order = new ConcurrentLinkedQueue<>();

    void remember(String token, Grants.Grant grant, Instant notBefore) {
        String key = key(token);
        if (known.put(key, new Known(grant, notBefore)) == null) {
            order.add(key);
            while (known.size() > CAPACITY) {
                String oldest = order.poll();
                if (oldest == null) {
                    break;
                }
                known.remove(oldest);
            }
        }
    }

    /** What the token says, if this instance issued it lately; null otherwise. */
    Known recall(String token) {
        return known.get(key(token));
    }

    private static String key(String token) {
        return Base64.getEncoder().encodeToString(ActionDigest.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}
