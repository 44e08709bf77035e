package io.countersign.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The compliance controls rules may map to (SOC 2, NIST 800-53 / FedRAMP, ISO 27001), built in so that a
 * typo in a control id is a load error, not a hole in next year's evidence.
 */
public final class ControlCatalog {
    /** Where what no rule mapped to a control is counted, so nothing falls out of the evidence report. */
    public static final String UNMAPPED = "(unmapped)";

    private static final Map<String, String> CONTROLS = read();

    private ControlCatalog() {
    }

    /** Every control id with its one-line meaning, in catalog order. */
    public static Map<String, String> all() {
        return CONTROLS;
    }

    public static Optional<String> title(String id) {
        return Optional.ofNullable(CONTROLS.get(id));
    }

    public static boolean contains(String id) {
        return CONTROLS.containsKey(id);
    }

    private static Map<String, String> read() {
        try (InputStream in = ControlCatalog.class.getResourceAsStream("controls.txt")) {
            if (in == null) {
                throw new IllegalStateException("controls.txt is missing from the classpath");
            }
            Map<String, String> controls = new LinkedHashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                controls.put(line.substring(0, tab), line.substring(tab + 1).strip());
            }
            return java.util.Collections.unmodifiableMap(controls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
