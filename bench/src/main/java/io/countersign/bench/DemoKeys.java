package io.countersign.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The demo principals' API keys from {@code CONFIG/demo-keys.env}, which {@code countersign serve} writes on first start. */
final class DemoKeys {
    private DemoKeys() {
    }

    static Map<String, String> read(Path config) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(config.resolve("demo-keys.env"))) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                keys.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        return keys;
    }
}
