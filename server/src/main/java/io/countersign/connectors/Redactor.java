package io.countersign.connectors;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Replaces the secrets a connector was given wherever they come back in its output: a command that
 * prints its environment, an upstream that echoes its Authorization header. Secrets never reach the
 * caller, the audit log or a log file through a connector.
 */
public final class Redactor {
    static final String MARK = "[redacted]";
    /** Shorter values would redact ordinary text; secrets this short are refused when loading instead. */
    static final int SHORTEST = 4;

    private final List<String> secrets;
    private final int longest;

    Redactor(Set<String> secrets) {
        // Longest first, so that a secret containing another is replaced whole.
        this.secrets = secrets.stream().filter(s -> s.length() >= SHORTEST)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.longest = this.secrets.isEmpty() ? 0 : this.secrets.getFirst().length();
    }

    static final Redactor NONE = new Redactor(Set.of());

    public String redact(String text) {
        String result = text;
        for (String secret : secrets) {
            if (result.contains(secret)) {
                result = result.replace(secret, MARK);
            }
        }
        return result;
    }

    /** A copy of {@code value} with secrets redacted in every string, names included. */
    public JsonNode redact(JsonNode value) {
        if (secrets.isEmpty()) {
            return value;
        }
        return switch (value) {
            case ObjectNode object -> {
                ObjectNode copy = JsonNodeFactory.instance.objectNode();
                object.properties().forEach(e -> copy.set(redact(e.getKey()), redact(e.getValue())));
                yield copy;
            }
            case ArrayNode array -> {
                ArrayNode copy = JsonNodeFactory.instance.arrayNode();
                array.values().forEach(v -> copy.add(redact(v)));
                yield copy;
            }
            default -> value.isString() ? JsonNodeFactory.instance.stringNode(redact(value.stringValue())) : value;
        };
    }

    /**
     * How many characters at the end of redacted streamed text to hold back until more arrives: a secret
     * that is not yet complete starts within them, and one that is complete was already replaced.
     */
    int holdBack() {
        return Math.max(0, longest - 1);
    }
}
