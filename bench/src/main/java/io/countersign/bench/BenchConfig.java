package io.countersign.bench;

import io.countersign.server.ConfigDirectory;
import io.countersign.testing.LoadConfig;
import java.io.IOException;
import java.nio.file.Path;

/** The example configuration as benchmarks need it: one principal loads the node far past the per-principal limits. */
final class BenchConfig {
    private BenchConfig() {
    }

    /** Writes the example into {@code config} (when it is not there yet) with the submission limits lifted. */
    static void unlimited(Path config) throws IOException {
        ConfigDirectory.ensureExample(config);
        LoadConfig.liftLimits(config);
    }
}
