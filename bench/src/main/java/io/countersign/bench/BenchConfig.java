package io.countersign.bench;

import io.countersign.server.ConfigDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The example configuration as benchmarks need it: one principal loads the node far past the per-principal limits. */
final class BenchConfig {
    private static final Pattern LIMITS = Pattern.compile("(?m)^limits:\\n(  .*\\n)+");

    private BenchConfig() {
    }

    /** Writes the example into {@code config} (when it is not there yet) with the submission limits lifted. */
    static void unlimited(Path config) throws IOException {
        ConfigDirectory.ensureExample(config);
        Path settings = config.resolve(ConfigDirectory.SETTINGS);
        String text = Files.readString(settings);
        Files.writeString(settings, LIMITS.matcher(text).replaceFirst("limits: {max_pending: 1000000, per_second: 1000000, burst: 1000000}\n"));
    }
}
