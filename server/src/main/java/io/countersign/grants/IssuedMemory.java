package io.countersign.grants;

import io.countersign.json.ActionDigest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The grants one {@link Grants} issued lately, by the SHA-256 of their token (never the bearer token
 * itself). A token presented back that hashes to one of these is byte for byte a token this key signed,
 * so its Ed25519 check can be skipped: that check was the costliest part of recording an outcome (about
 * 170 µs and 300 KB of garbage with Tink; 75 µs and 7 KB with BouncyCastle's, used now). A grant
 * forgotten, or issued by another node, is simply verified in full.
 *
 * <p>The hashes sit in flat arrays, eight to a set chosen by the hash, and a new one replaces the oldest
 * of its set: about the last {@link #CAPACITY} are known. Flat, because a map of objects that each live
 * for seconds is what a young collection copies: with 8,192 of them every pause took 4 ms of copying.
 */
final class IssuedMemory {
    static final int CAPACITY = 8192;
    private static final int WAYS = 8;
    private static final int SETS = CAPACITY / WAYS;
    private static final int LONGS = 4;
    private static final VarHandle LONG_AT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final long[] hashes = new long[CAPACITY * LONGS];
    /** When each entry was remembered, by a counter; 0: empty. */
    private final long[] ages = new long[CAPACITY];
    private long clock;

    void remember(String token) {
        byte[] hash = hash(token);
        int set = set(hash);
        synchronized (this) {
            int oldest = set;
            for (int entry = set; entry < set + WAYS; entry++) {
                if (ages[entry] < ages[oldest]) {
                    oldest = entry;
                }
            }
            for (int i = 0; i < LONGS; i++) {
                hashes[oldest * LONGS + i] = (long) LONG_AT.get(hash, i * Long.BYTES);
            }
            ages[oldest] = ++clock;
        }
    }

    /** Whether this instance issued {@code token} lately. */
    boolean recalls(String token) {
        byte[] hash = hash(token);
        int set = set(hash);
        synchronized (this) {
            for (int entry = set; entry < set + WAYS; entry++) {
                if (ages[entry] != 0 && matches(entry, hash)) {
                    return true;
                }
            }
            return false;
        }
    }

    private boolean matches(int entry, byte[] hash) {
        for (int i = 0; i < LONGS; i++) {
            if (hashes[entry * LONGS + i] != (long) LONG_AT.get(hash, i * Long.BYTES)) {
                return false;
            }
        }
        return true;
    }

    private static int set(byte[] hash) {
        return Math.floorMod((long) LONG_AT.get(hash, 0), SETS) * WAYS;
    }

    private static byte[] hash(String token) {
        return ActionDigest.sha256(token.getBytes(StandardCharsets.UTF_8));
    }
}
