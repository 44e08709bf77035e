package io.countersign.identity;

import io.countersign.json.ActionDigest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API keys are 256 random bits; only their SHA-256 is ever stored. A fast hash is right here (unlike
 * for passwords): the keys have full entropy, so there is nothing to brute-force.
 */
public final class ApiKeys {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A new key, {@code cs_} followed by 43 base64url characters. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "cs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The stored form: {@code sha256:<hex>}. */
    public static String hash(String key) {
        return "sha256:" + HexFormat.of().formatHex(ActionDigest.sha256(key.getBytes(StandardCharsets.UTF_8)));
    }
}
