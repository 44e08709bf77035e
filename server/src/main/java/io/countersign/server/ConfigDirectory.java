package io.countersign.server;

import io.countersign.identity.ApiKeys;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Countersign configuration directory. On first start it is filled with a working example: settings,
 * demo identities whose fresh API keys go to {@code demo-keys.env} (readable by the owner only), and
 * example policies.
 */
public final class ConfigDirectory {
    public static final String SETTINGS = "countersign.yaml";
    public static final String DEMO_KEYS = "demo-keys.env";
    private static final String EXAMPLE = "/io/countersign/server/example-config/";
    private static final String[] EXAMPLE_FILES = {"countersign.yaml", "identities.yaml", "policies/default.yaml",
            "policies/default_test.yaml", "connectors.yaml", "resources.yaml"};
    /** Demo principals: shell variable, template placeholder. */
    private static final Map<String, String> DEMO_PRINCIPALS = new LinkedHashMap<>();

    static {
        DEMO_PRINCIPALS.put("COUNTERSIGN_AGENT_KEY", "AGENT_KEY_HASH");
        DEMO_PRINCIPALS.put("COUNTERSIGN_ALICE_KEY", "ALICE_KEY_HASH");
        DEMO_PRINCIPALS.put("COUNTERSIGN_BOB_KEY", "BOB_KEY_HASH");
        DEMO_PRINCIPALS.put("COUNTERSIGN_CAROL_KEY", "CAROL_KEY_HASH");
    }

    private ConfigDirectory() {
    }

    /** @return true when the example was written now (first start) */
    public static boolean ensureExample(Path directory) {
        if (Files.exists(directory.resolve(SETTINGS))) {
            return false;
        }
        try {
            Files.createDirectories(directory.resolve("policies"));
            restrict(directory, "rwx------");
            Map<String, String> keys = new LinkedHashMap<>();
            Map<String, String> hashes = new LinkedHashMap<>();
            DEMO_PRINCIPALS.forEach((variable, placeholder) -> {
                String key = ApiKeys.generate();
                keys.put(variable, key);
                hashes.put(placeholder, ApiKeys.hash(key));
            });
            for (String name : EXAMPLE_FILES) {
                String text = example(name);
                for (Map.Entry<String, String> hash : hashes.entrySet()) {
                    text = text.replace("${" + hash.getKey() + "}", hash.getValue());
                }
                Files.writeString(directory.resolve(name), text);
            }
            StringBuilder env = new StringBuilder("# Demo API keys, written by countersign serve on first start.\n"
                    + "# Load them with: set -a; . ./demo-keys.env; set +a   — and never use them in production.\n");
            keys.forEach((variable, key) -> env.append(variable).append('=').append(key).append('\n'));
            Path envFile = directory.resolve(DEMO_KEYS);
            Files.writeString(envFile, env);
            restrict(envFile, "rw-------");
            return true;
        } catch (IOException e) {
            throw new ConfigException("cannot write the example configuration into " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Reads one demo key back (for the start-up banner); null when the file or variable is absent. */
    public static String demoKey(Path directory, String variable) {
        Path file = directory.resolve(DEMO_KEYS);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(variable + "=")) {
                    return line.substring(variable.length() + 1).strip();
                }
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String example(String name) throws IOException {
        try (InputStream in = ConfigDirectory.class.getResourceAsStream(EXAMPLE + name)) {
            if (in == null) {
                throw new IllegalStateException("example configuration file missing from the build: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void restrict(Path path, String permissions) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        }
    }
}
