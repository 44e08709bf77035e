package io.countersign.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** The example configuration for tests that load a node from one demo principal far past its submission limits. */
public final class LoadConfig {
    private static final Pattern LIMITS = Pattern.compile("(?m)^limits:\\n(  .*\\n)+");
    private static final String LIFTED = "limits: {max_pending: 1000000, per_second: 1000000, burst: 1000000}\n";

    private LoadConfig() {
    }

    /** Lifts the per-principal limits in {@code config}'s settings (written by {@code ConfigDirectory.ensureExample}); once is enough. */
    public static void liftLimits(Path config) throws IOException {
        Path settings = config.resolve("countersign.yaml");
        String text = Files.readString(settings);
        if (text.contains(LIFTED)) {
            return;
        }
        if (!LIMITS.matcher(text).find()) {
            throw new IllegalStateException("no limits section in " + settings);
        }
        Files.writeString(settings, LIMITS.matcher(text).replaceFirst(LIFTED));
    }
}
