package io.countersign.grants;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.ActionId;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Issues and checks grants: compact JWS (EdDSA, Ed25519) saying that one action, with one digest, may
 * run against one audience until a short expiry. Possession is the authority; single use is enforced
 * when the grant is used ({@code ActionService.useGrant}), not here.
 */
public final class Grants implements io.countersign.lifecycle.GrantIssuer {
    public static final JOSEObjectType TYPE = new JOSEObjectType("countersign-grant+jwt");
    public static final String ISSUER = "countersign";
    private static final Duration LEEWAY = Duration.ofSeconds(5);

    private final OctetKeyPair key;
    /** Signs grants and checks the signatures of those it does not recall issuing. */
    private final Ed25519Jws jws;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final IssuedMemory issued = new IssuedMemory();

    /** What a valid grant says. */
    public record Grant(String id, ActionId actionId, String digest, String action, String audience, String subject,
                        Instant expiresAt) {
    }

    /** A freshly issued grant and its token. */
    public record Issued(String token, Grant grant) {
    }

    public Grants(OctetKeyPair key, Duration ttl) {
        if (!key.isPrivate()) {
            throw new IllegalArgumentException("the grant key cannot sign: it has no private part");
        }
        this.key = key;
        this.jws = new Ed25519Jws(key);
        this.ttl = ttl;
    }

    /**
     * The audience of a grant: the resource the action acts on, in its environment
     * ({@code postgres.table:prod/customers@prod}), so a grant for one environment's resource is no grant for
     * another's of the same name; {@code type:id} alone for a resource with no environment.
     */
    public static String audience(ActionRecord record) {
        var resource = record.request().resource();
        return resource.type() + ":" + resource.id() + (resource.env() == null ? "" : "@" + resource.env());
    }

    @Override
    public io.countersign.lifecycle.GrantIssuer.Issued issue(ActionRecord record, Instant now) {
        Issued issued = sign(record, now);
        return new io.countersign.lifecycle.GrantIssuer.Issued(issued.token(), issued.grant().id(), issued.grant().audience(),
                issued.grant().expiresAt());
    }

    /** A fresh grant for {@code record}, signed, with what it says. */
    public Issued sign(ActionRecord record, Instant now) {
        String id = "gr_" + HexFormat.of().formatHex(bytes(16));
        // The matched rules may ask for a shorter (or longer, up to an hour) life than the server's default;
        // and no grant outlives the approval it stands for.
        Instant expires = now.plus(record.decision().grantTtl() != null ? record.decision().grantTtl() : ttl);
        if (record.status() == io.countersign.model.Status.APPROVED && record.expiresAt() != null && record.expiresAt().isBefore(expires)) {
            expires = record.expiresAt();
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(record.requester().id())
                .audience(audience(record))
                .jwtID(id)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(expires))
                .claim("action_id", record.id().value())
                .claim("digest", record.digest())
                .claim("action", record.request().action())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(key.getKeyID()).type(TYPE).build(), claims);
        try {
            jwt.sign(jws);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing a grant failed", e);
        }
        String token = jwt.serialize();
        issued.remember(token);
        return new Issued(token, new Grant(id, record.id(), record.digest(), record.request().action(),
                audience(record), record.requester().id(), expires.truncatedTo(ChronoUnit.SECONDS)));
    }

    /**
     * Checks signature, type, issuer, times and claims; the message says what is wrong. A token this
     * instance issued lately is known by its SHA-256 and needs no signature check (it is byte for byte
     * what was signed); everything else is checked all the same.
     */
    public Grant verify(String token, Instant now) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new InvalidGrantException("the grant is not a compact JWS");
        }
        JWSHeader header = jwt.getHeader();
        if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm()) || !TYPE.equals(header.getType())) {
            throw new InvalidGrantException("the grant is not a Countersign grant (expected typ " + TYPE + ", alg EdDSA)");
        }
        try {
            if (!key.getKeyID().equals(header.getKeyID()) || !(issued.recalls(token) || jwt.verify(jws))) {
                throw new InvalidGrantException("the grant's signature does not verify with this server's key");
            }
        } catch (JOSEException e) {
            throw new InvalidGrantException("the grant's signature does not verify with this server's key");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new InvalidGrantException("the grant's claims are malformed");
        }
        if (!ISSUER.equals(claims.getIssuer()) || claims.getJWTID() == null || claims.getExpirationTime() == null
                || claims.getAudience().size() != 1) {
            throw new InvalidGrantException("the grant lacks its issuer, id, audience or expiry");
        }
        Instant expires = claims.getExpirationTime().toInstant();
        if (!now.isBefore(expires.plus(LEEWAY))) {
            throw new InvalidGrantException("the grant expired at " + expires);
        }
        if (claims.getNotBeforeTime() != null && now.plus(LEEWAY).isBefore(claims.getNotBeforeTime().toInstant())) {
            throw new InvalidGrantException("the grant is not valid before " + claims.getNotBeforeTime().toInstant());
        }
        Map<String, Object> all = claims.getClaims();
        Object actionId = all.get("action_id");
        Object digest = all.get("digest");
        if (!(actionId instanceof String id) || !ActionId.isWellFormed(id) || !(digest instanceof String d)) {
            throw new InvalidGrantException("the grant names no action or digest");
        }
        return new Grant(claims.getJWTID(), new ActionId(id), d, String.valueOf(all.get("action")),
                claims.getAudience().getFirst(), claims.getSubject(), expires);
    }

    /** The public key as a JWK Set, for {@code /.well-known/jwks.json}. */
    public Map<String, Object> jwks() {
        return new JWKSet(List.of(key.toPublicJWK())).toJSONObject(true);
    }

    private byte[] bytes(int count) {
        byte[] out = new byte[count];
        random.nextBytes(out);
        return out;
    }
}
