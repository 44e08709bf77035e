package io.countersign.yaml;

import java.util.HashMap;
import java.util.Map;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.JsonNode;

/**
 * A parsed YAML file and the line on which each of its nodes starts, so that a validation error found
 * long after parsing can still say where to look.
 */
public record YamlDocument(String file, JsonNode root, Map<String, Integer> lines) {

    /**
     * The line of the node at {@code pointer} (JSON Pointer syntax, {@code /rules/2/when}), or of its nearest
     * ancestor that has one; 0 when none is known.
     */
    public int line(String pointer) {
        String path = pointer;
        while (true) {
            Integer line = lines.get(path);
            if (line != null) {
                return line;
            }
            if (path.isEmpty()) {
                return 0;
            }
            path = path.substring(0, path.lastIndexOf('/'));
        }
    }

    /** Walks the token stream once and records where each key and each list item begins. */
    static Map<String, Integer> lines(JsonParser parser) {
        Map<String, Integer> lines = new HashMap<>();
        JsonToken token;
        while ((token = parser.nextToken()) != null) {
            TokenStreamContext context = parser.streamReadContext();
            if (token.isStructStart()) {
                // A new mapping or list opens its own context; its position belongs to the parent's slot.
                context = context.getParent();
            } else if (token.isStructEnd()) {
                continue;
            }
            if (context != null) {
                lines.putIfAbsent(context.pathAsPointer().toString(), parser.currentTokenLocation().getLineNr());
            }
        }
        return lines;
    }
}
