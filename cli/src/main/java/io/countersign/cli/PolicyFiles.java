package io.countersign.cli;

import io.countersign.identity.Identities;
import io.countersign.identity.IdentitiesLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the CLI finds a policy directory's identities: beside it, as {@code serve} lays them out. */
final class PolicyFiles {
    static final String DEFAULT_DIRECTORY = "countersign-config/policies";

    private PolicyFiles() {
    }

    /** The identities file given, or {@code DIR/../identities.yaml} when it exists; null when there is none. */
    static Identities identities(Path policyDirectory, Path given) {
        Path file = given != null ? given : policyDirectory.toAbsolutePath().getParent().resolve("identities.yaml");
        if (given == null && !Files.isRegularFile(file)) {
            return null;
        }
        return IdentitiesLoader.load(file);
    }
}
