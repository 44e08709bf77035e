package io.countersign.sdk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a Countersign grant offline, where the action runs (a database proxy, a deploy hook): the
 * EdDSA signature against the server's published key, the type, the expiry and the audience. It cannot
 * know whether the grant was already used; for single use, ask the server with {@code consume: true}
 * ({@code POST /v1/grants/verify}). JDK only.
 */
public final class GrantVerifier {
    private static final byte[] ED25519_SPKI = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final Map<String, PublicKey> keys;
    private final Clock clock;

    /** What a valid grant allows. */
    public record Grant(String id, String actionId, String digest, String action, String audience, String subject,
                        Instant expiresAt) {
    }

    /** The grant is not valid for this use; the message says why. */
    public static final class InvalidGrant extends Exception {
        public InvalidGrant(String message) {
            super(message);
        }
    }

    private GrantVerifier(Map<String, PublicKey> keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** From the JSON of {@code /.well-known/jwks.json}. */
    @SuppressWarnings("unchecked")
    public static GrantVerifier fromJwks(String jwksJson) {
        return fromJwks(jwksJson, Clock.systemUTC());
    }

    @SuppressWarnings("unchecked")
    static GrantVerifier fromJwks(String jwksJson, Clock clock) {
        Object parsed = JsonText.parse(jwksJson);
        Map<String, PublicKey> keys = new HashMap<>();
        if (parsed instanceof Map<?, ?> set && set.get("keys") instanceof List<?> list) {
            for (Object item : list) {
                Map<String, Object> jwk = (Map<String, Object>) item;
                if ("OKP".equals(jwk.get("kty")) && "Ed25519".equals(jwk.get("crv")) && jwk.get("x") instanceof String x
                        && jwk.get("kid") instanceof String kid) {
                    keys.put(kid, publicKey(Base64.getUrlDecoder().decode(x)));
                }
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the JWK set holds no Ed25519 key");
        }
        return new GrantVerifier(Map.copyOf(keys), clock);
    }

    /**
     * @param audience the resource this check guards, as {@code <resource type>:<resource id>}
     */
    @SuppressWarnings("unchecked")
    public Grant verify(String token, String audience) throws InvalidGrant {
        String[] parts = token == null ? new String[0] : token.split("\\.", -1);
        if (parts.length != 3) {
            throw new InvalidGrant("the grant is not a compact JWS");
        }
        Map<String, Object> header = object(parts[0], "header");
        Map<String, Object> claims = object(parts[1], "claims");
        PublicKey key = keys.get(String.valueOf(header.get("kid")));
        if (!"EdDSA".equals(header.get("alg")) || !"countersign-grant+jwt".equals(header.get("typ")) || key == null) {
            throw new InvalidGrant("the grant is not a Countersign grant signed with a published key");
        }
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                throw new InvalidGrant("the grant's signature does not verify");
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidGrant("the grant's signature does not verify");
        }
        if (!(claims.get("exp") instanceof Number exp) || !clock.instant().isBefore(Instant.ofEpochSecond(exp.longValue()))) {
            throw new InvalidGrant("the grant expired");
        }
        String grantAudience = claims.get("aud") instanceof List<?> list && list.size() == 1 ? String.valueOf(list.getFirst())
                : claims.get("aud") instanceof String s ? s : null;
        if (grantAudience == null || !grantAudience.equals(audience)) {
            throw new InvalidGrant("the grant is for " + grantAudience + ", not " + audience);
        }
        return new Grant(String.valueOf(claims.get("jti")), String.valueOf(claims.get("action_id")), String.valueOf(claims.get("digest")),
                String.valueOf(claims.get("action")), grantAudience, String.valueOf(claims.get("sub")),
                Instant.ofEpochSecond(((Number) claims.get("exp")).longValue()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(String part, String what) throws InvalidGrant {
        try {
            Object parsed = JsonText.parse(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
            if (parsed instanceof Map<?, ?> map) {
                return (Map<String, Object>) map;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new InvalidGrant("the grant's " + what + " is not a JSON object");
    }

    private static PublicKey publicKey(byte[] raw) {
        try {
            byte[] encoded = new byte[ED25519_SPKI.length + raw.length];
            System.arraycopy(ED25519_SPKI, 0, encoded, 0, ED25519_SPKI.length);
            System.arraycopy(raw, 0, encoded, ED25519_SPKI.length, raw.length);
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }
}
