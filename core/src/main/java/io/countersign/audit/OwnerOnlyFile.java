package io.countersign.audit;

import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A signing key on disk: written atomically and readable by its owner only; a key file others can read
 * is refused, since anyone holding it could sign in the node's name.
 */
public final class OwnerOnlyFile {
    private OwnerOnlyFile() {
    }

    /** @param what what the file holds, for the message ("the audit log key") */
    public static void requireOwnerOnly(Path file, String what) throws IOException {
        if (AtomicFile.posix() && Files.getPosixFilePermissions(file).stream()
                .anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            throw new ConfigException(file + ": " + what + " must be readable by its owner only (chmod 600 " + file + ")");
        }
    }

    public static void write(Path file, byte[] content) throws IOException {
        AtomicFile.write(file, content, true);
    }
}
