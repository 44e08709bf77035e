package io.countersign.grants;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import io.countersign.audit.OwnerOnlyFile;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;

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
                return key;
            }
            OctetKeyPair key = new OctetKeyPairGenerator(Curve.Ed25519).keyIDFromThumbprint(true).generate();
            OwnerOnlyFile.write(file, key.toJSONString().getBytes(StandardCharsets.UTF_8));
            return key;
        } catch (IOException | JOSEException e) {
            throw new ConfigException(file + ": cannot read or create the grant signing key: " + e.getMessage(), e);
        } catch (ParseException e) {
            throw new ConfigException(file + ": not a JWK: " + e.getMessage(), e);
        }
    }
}
