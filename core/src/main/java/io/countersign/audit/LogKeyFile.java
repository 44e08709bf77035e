package io.countersign.audit;

import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The log's signing key on disk: generated on first start, readable by its owner only. A key file that
 * others can read is refused, since anyone holding it could sign a rewritten log.
 */
public final class LogKeyFile {
    private LogKeyFile() {
    }

    /**
     * @param origin the log's name for a new key; null picks {@code countersign.local/log-<random>}
     */
    public static LogKey loadOrCreate(Path file, String origin) {
        try {
            if (Files.exists(file)) {
                OwnerOnlyFile.requireOwnerOnly(file, "the audit log key");
                try {
                    return LogKey.parse(Files.readString(file, StandardCharsets.US_ASCII));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(file + ": " + e.getMessage(), e);
                }
            }
            String name = origin != null ? origin : "countersign.local/log-" + HexFormat.of().formatHex(randomBytes(4));
            LogKey key = LogKey.generate(name);
            OwnerOnlyFile.write(file, (key.privateKeyText() + "\n").getBytes(StandardCharsets.US_ASCII));
            return key;
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read or create the audit log key: " + e.getMessage(), e);
        }
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
