package io.countersign.secrets;

import io.countersign.audit.OwnerOnlyFile;
import io.countersign.yaml.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code ${env:NAME}} and {@code ${file:path}} references in connector settings, so that secrets
 * live in the environment or in owner-only files, never in the configuration itself. Every value
 * filled in is remembered, so that the connector's output can be searched for it and redacted.
 */
public final class SecretReferences {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");

    private final Path directory;
    private final Function<String, String> environment;
    private final Set<String> filled;

    /**
     * @param directory   against which {@code file:} paths are resolved
     * @param environment the process environment ({@code System::getenv}), a map in tests
     * @param filled      collects every secret value filled in
     */
    public SecretReferences(Path directory, Function<String, String> environment, Set<String> filled) {
        this.directory = directory;
        this.environment = environment;
        this.filled = filled;
    }

    /**
     * A setting that is a secret and nothing else (a token, a signing secret): it must be a reference,
     * so the value is never written into the settings file.
     *
     * @param example a reference to suggest, e.g. {@code ${env:SLACK_BOT_TOKEN}}
     */
    public String secret(String text, String where, String example) {
        if (text == null || !text.startsWith("${")) {
            throw new io.countersign.yaml.ConfigException(where + " must be a reference such as " + example + ", never the value itself");
        }
        return fill(text, where);
    }

    /** @param where the setting, for messages ({@code connectors.yaml: connectors[1].headers.Authorization}) */
    public String fill(String text, String where) {
        Matcher matcher = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = "env".equals(matcher.group(1)) ? fromEnvironment(matcher.group(2), where) : fromFile(matcher.group(2), where);
            filled.add(value);
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    public Map<String, String> fill(Map<String, String> values, String where) {
        Map<String, String> result = new java.util.LinkedHashMap<>();
        values.forEach((key, value) -> result.put(key, fill(value, where + "." + key)));
        return result;
    }

    private String fromEnvironment(String name, String where) {
        String value = environment.apply(name);
        if (value == null || value.isEmpty()) {
            throw new ConfigException(where + ": the environment variable " + name + " is not set");
        }
        return value;
    }

    private String fromFile(String name, String where) {
        Path file = directory.resolve(name);
        try {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(where + ": the secret file " + file + " does not exist");
            }
            OwnerOnlyFile.requireOwnerOnly(file, "a secret file");
            String value = Files.readString(file).strip();
            if (value.isEmpty()) {
                throw new ConfigException(where + ": the secret file " + file + " is empty");
            }
            return value;
        } catch (IOException e) {
            throw new ConfigException(where + ": cannot read the secret file " + file + ": " + e.getMessage(), e);
        }
    }
}
