package io.countersign.cli;

import io.countersign.identity.Identities;
import io.countersign.identity.IdentitiesLoader;
import io.countersign.inventory.Inventory;
import io.countersign.inventory.InventoryLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the CLI finds a policy directory's identities: beside it, as {@code serve} lays them out. */
final class PolicyFiles {
    static final String DEFAULT_DIRECTORY = "countersign-config/policies";

    private PolicyFiles() {
    }

    /**
     * The resource inventory given, or {@code DIR/../resources.yaml} when it exists; with none, every resource is
     * unknown to policy ({@code resource.known == false}), as on a server without one.
     *
     * @throws io.countersign.inventory.InventoryException naming file and line when it is invalid
     */
    static Inventory inventory(Path policyDirectory, Path given) {
        Path file = given != null ? given : policyDirectory.toAbsolutePath().getParent().resolve("resources.yaml");
        if (given != null && !Files.isRegularFile(file)) {
            throw new io.countersign.yaml.ConfigException(file + ": no such file");
        }
        return InventoryLoader.load(file);
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
