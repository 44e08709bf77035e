package io.countersign.json;

import io.countersign.model.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads the fields of one JSON object strictly, naming each bad field by its dotted path.
 * Unknown fields are errors: a typo such as {@code "resouce"} must not silently drop data.
 */
public final class JsonFields {
    private final ObjectNode node;
    private final String path;

    private JsonFields(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Wraps {@code value}, which must be a JSON object, found at {@code path} ("" for the top level). */
    public static JsonFields of(JsonNode value, String path) {
        if (value == null || !value.isObject()) {
            throw new InvalidInputException(path.isEmpty() ? null : path,
                    (path.isEmpty() ? "body" : path) + " must be a JSON object");
        }
        return new JsonFields((ObjectNode) value, path);
    }

    public String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    public JsonFields onlyAllow(Set<String> allowed) {
        for (String name : node.propertyNames()) {
            if (!allowed.contains(name)) {
                throw new InvalidInputException("unknown_field", path(name),
                        "unknown field '" + path(name) + "'; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
        return this;
    }

    public boolean has(String name) {
        JsonNode value = node.get(name);
        return value != null && !value.isNull();
    }

    public JsonNode get(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    public String requiredString(String name, int maxLength) {
        String value = optionalString(name, maxLength);
        if (value == null) {
            throw new InvalidInputException("missing_field", path(name), "missing required field '" + path(name) + "'");
        }
        return value;
    }

    public String optionalString(String name, int maxLength) {
        JsonNode value = get(name);
        if (value == null) {
            return null;
        }
        if (!value.isString()) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' must be a string, not " + describe(value));
        }
        String text = value.stringValue();
        if (text.isBlank()) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' must not be empty");
        }
        if (text.length() > maxLength) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' is longer than " + maxLength + " characters");
        }
        return text;
    }

    public boolean optionalBoolean(String name, boolean fallback) {
        JsonNode value = get(name);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' must be true or false, not " + describe(value));
        }
        return value.booleanValue();
    }

    public JsonFields requiredObject(String name) {
        JsonNode value = get(name);
        if (value == null) {
            throw new InvalidInputException("missing_field", path(name), "missing required field '" + path(name) + "'");
        }
        return of(value, path(name));
    }

    public ObjectNode optionalObject(String name) {
        JsonNode value = get(name);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' must be a JSON object, not " + describe(value));
        }
        return (ObjectNode) value;
    }

    /** An object whose values must all be strings, such as resource labels. */
    public Map<String, String> optionalStringMap(String name, int maxEntries, int maxLength) {
        ObjectNode value = optionalObject(name);
        if (value == null) {
            return Map.of();
        }
        if (value.size() > maxEntries) {
            throw new InvalidInputException(path(name), "'" + path(name) + "' has more than " + maxEntries + " entries");
        }
        JsonFields inner = new JsonFields(value, path(name));
        Map<String, String> result = new LinkedHashMap<>();
        for (String key : value.propertyNames()) {
            result.put(key, inner.requiredString(key, maxLength));
        }
        return result;
    }

    static String describe(JsonNode value) {
        if (value.isObject()) return "an object";
        if (value.isArray()) return "an array";
        if (value.isString()) return "a string";
        if (value.isNumber()) return "a number";
        if (value.isBoolean()) return "a boolean";
        return "null";
    }
}
