package io.countersign.grants;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import io.countersign.audit.OwnerOnlyFile;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The Ed25519 key that signs grants, as a JWK file readable by its owner only; generated on first start.
 * Separate from the audit log's key: a grant key can be rotated without touching the log's identity.
 */
public final class GrantKey {
    private GrantKey() {
    }

    public static OctetKeyPair loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                OwnerOnlyFile.requireOwnerOnly(file, "the grant signing key");
                OctetKeyPair key = OctetKeyPair.parse(Files.readString(file, StandardCharsets.UTF_8));
                if (!Curve.Ed25519.equals(key.getCurve()) || !key.isPrivate()) {
                    throw new ConfigException(file + ": not a private Ed25519 key");
                }
                try {
                    Ed25519Jws.requireConsistent(key);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(file + ": " + e.getMessage());
                }
                return key;
            }
            OctetKeyPair key = generate();
            OwnerOnlyFile.write(file, key.toJSONString().getBytes(StandardCharsets.UTF_8));
            return key;
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read or create the grant signing key: " + e.getMessage(), e);
        } catch (ParseException e) {
            throw new ConfigException(file + ": not a JWK: " + e.getMessage(), e);
        }
    }

    /** A new Ed25519 key pair as a JWK, its key id the RFC 7638 thumbprint. */
    public static OctetKeyPair generate() {
        byte[] secret = new byte[Ed25519.SECRET_KEY_SIZE];
        Ed25519.generatePrivateKey(new SecureRandom(), secret);
        byte[] pub = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(secret, 0, pub, 0);
        try {
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(pub)).d(Base64URL.encode(secret)).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
