package io.countersign.aws;

import io.countersign.audit.OwnerOnlyFile;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The key pairs agents sign their AWS calls with. SigV4 is symmetric, so the gateway must know each secret;
 * instead of storing them it derives each one from a server-held key and the access key id. The identities
 * file lists only access key ids (which are not secret), and deleting one revokes the pair.
 */
public final class AwsKeys {
    /** {@code AKCS} and 16 base-32 characters: as long as AWS's own ids, and told apart from them at a glance. */
    public static final Pattern ACCESS_KEY_ID = Pattern.compile("AKCS[A-Z2-7]{16}");
    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private AwsKeys(byte[] key) {
        this.key = key;
    }

    /** A new pair: the id to list in identities.yaml, and the secret that is shown once and kept nowhere. */
    public record Pair(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Pair[" + accessKeyId + "]";
        }
    }

    /** Where a configuration directory keeps the key: beside the grant key, owner-readable only. */
    public static Path file(Path configDirectory) {
        return configDirectory.resolve("keys").resolve("aws-gateway.key");
    }

    public static AwsKeys loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                OwnerOnlyFile.write(file, Base64.getEncoder().encode(key));
            }
            return load(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read or create the AWS gateway key: " + e.getMessage(), e);
        }
    }

    public static AwsKeys load(Path file) {
        try {
            OwnerOnlyFile.requireOwnerOnly(file, "the AWS gateway key");
            byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.UTF_8).strip());
            if (key.length < 32) {
                throw new ConfigException(file + ": the AWS gateway key must be at least 32 bytes, base64");
            }
            return new AwsKeys(key);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": not base64: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the AWS gateway key: " + e.getMessage(), e);
        }
    }

    public Pair newPair() {
        StringBuilder id = new StringBuilder("AKCS");
        for (int i = 0; i < 16; i++) {
            id.append(BASE32.charAt(RANDOM.nextInt(32)));
        }
        return new Pair(id.toString(), secretOf(id.toString()));
    }

    /** The secret of an access key id: an HMAC of it under the gateway key, 40 characters as AWS's are. */
    public String secretOf(String accessKeyId) {
        byte[] mac = SigV4.hmac(key, "countersign aws secret v1\n" + accessKeyId);
        return Base64.getEncoder().withoutPadding().encodeToString(mac).replace('+', 'A').replace('/', 'B').substring(0, 40);
    }
}
