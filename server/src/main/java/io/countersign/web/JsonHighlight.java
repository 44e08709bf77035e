package io.countersign.web;

import io.countersign.json.Json;
import io.countersign.web.ConsoleViews.Token;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Pretty-printed JSON as classed tokens, so the console can colour a payload without a script and
 * without ever treating its text as markup (the template escapes every token).
 */
public final class JsonHighlight {
    private JsonHighlight() {
    }

    public static List<Token> tokens(JsonNode node) {
        List<Token> tokens = new ArrayList<>();
        write(node, 0, tokens);
        return tokens;
    }

    private static void write(JsonNode node, int depth, List<Token> out) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                out.add(new Token("punct", "{}"));
                return;
            }
            out.add(new Token("punct", "{\n"));
            var fields = node.properties().iterator();
            while (fields.hasNext()) {
                var field = fields.next();
                out.add(new Token("punct", "  ".repeat(depth + 1)));
                out.add(new Token("key", Json.text(Json.MAPPER.getNodeFactory().stringNode(field.getKey()))));
                out.add(new Token("punct", ": "));
                write(field.getValue(), depth + 1, out);
                out.add(new Token("punct", fields.hasNext() ? ",\n" : "\n"));
            }
            out.add(new Token("punct", "  ".repeat(depth) + "}"));
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.add(new Token("punct", "[]"));
                return;
            }
            out.add(new Token("punct", "[\n"));
            for (int i = 0; i < node.size(); i++) {
                out.add(new Token("punct", "  ".repeat(depth + 1)));
                write(node.get(i), depth + 1, out);
                out.add(new Token("punct", i + 1 < node.size() ? ",\n" : "\n"));
            }
            out.add(new Token("punct", "  ".repeat(depth) + "]"));
        } else if (node.isString()) {
            out.add(new Token("string", Json.text(node)));
        } else if (node.isNumber()) {
            out.add(new Token("number", Json.text(node)));
        } else {
            out.add(new Token("literal", Json.text(node)));
        }
    }

    /** The same JSON as plain lines, for diffs. */
    public static List<String> lines(JsonNode node) {
        StringBuilder text = new StringBuilder();
        tokens(node).forEach(t -> text.append(t.text()));
        return List.of(text.toString().split("\n", -1));
    }
}
