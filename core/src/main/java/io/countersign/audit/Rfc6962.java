package io.countersign.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * RFC 6962 (§2.1) Merkle tree hashing with SHA-256: leaves are hashed as {@code SHA-256(0x00 || entry)},
 * interior nodes as {@code SHA-256(0x01 || left || right)}. The prefixes keep a leaf from ever being
 * taken for a node (second-preimage resistance).
 */
public final class Rfc6962 {
    public static final int HASH_SIZE = 32;
    /** The root of the empty tree: {@code SHA-256("")}. */
    public static final byte[] EMPTY_ROOT = sha256().digest();

    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Rfc6962::sha256);

    private Rfc6962() {
    }

    public static byte[] leafHash(byte[] entry) {
        MessageDigest digest = DIGEST.get();
        digest.update((byte) 0);
        return digest.digest(entry);
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest digest = DIGEST.get();
        digest.update((byte) 1);
        digest.update(left);
        return digest.digest(right);
    }

    public static byte[] sha256(byte[] data) {
        return DIGEST.get().digest(data);
    }

    public static String base64(byte[] hash) {
        return Base64.getEncoder().encodeToString(hash);
    }

    /** Decodes a base64 hash, refusing anything that is not exactly 32 bytes. */
    public static byte[] fromBase64(String text) {
        byte[] hash;
        try {
            hash = Base64.getDecoder().decode(text.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64: " + abbreviate(text));
        }
        if (hash.length != HASH_SIZE) {
            throw new IllegalArgumentException("a hash must be 32 bytes, got " + hash.length);
        }
        // One spelling per hash (standard alphabet, with padding), as C2SP formats write them: found by
        // ParserFuzzTest, which saw an unpadded root accepted and written back longer than it came.
        if (!base64(hash).equals(text)) {
            throw new IllegalArgumentException("not canonical base64 (standard alphabet, with padding): " + abbreviate(text));
        }
        return hash;
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
