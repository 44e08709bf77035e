package io.countersign.json;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.erdtman.jcs.JsonCanonicalizer;
import tools.jackson.databind.JsonNode;

/**
 * RFC 8785 JSON Canonicalization Scheme: sorted keys (UTF-16 order), ECMAScript number form, minimal
 * escaping. Delegates to the reference implementation by the RFC's authors, because hand-written
 * number formatting is where canonicalizers go wrong.
 */
public final class CanonicalJson {
    private CanonicalJson() {
    }

    public static byte[] encode(JsonNode node) {
        try {
            return new JsonCanonicalizer(Json.text(node)).getEncodedUTF8();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot canonicalize JSON", e);
        }
    }

    public static String encodeToString(JsonNode node) {
        return new String(encode(node), java.nio.charset.StandardCharsets.UTF_8);
    }
}
