package io.countersign.audit;

import io.countersign.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OCSF 1.8.0 definitions as published in {@code ocsf/ocsf-schema} (the files under
 * {@code src/test/resources/ocsf/1.8.0}, Apache 2.0), compiled the way the schema's own tooling does: a class
 * is its attributes merged over those of the class it extends, down to {@code base_event}; an {@code $include}d
 * profile adds its attributes, which an event may use only when it names the profile in
 * {@code metadata.profiles}; an object likewise over the object it extends. An event is checked for what
 * OCSF validators check: every required attribute there, no attribute the class does not define, each value
 * of its dictionary type (recursing into objects), enum values known, {@code at_least_one} constraints met,
 * and a {@code type} beside a {@code type_id} naming that id's caption.
 */
final class OcsfSchema {
    private static final String ROOT = "/ocsf/1.8.0/";
    /** Checked by {@link #identity}, not by an enum of the dictionary. */
    private static final Set<String> DERIVED = Set.of("category_uid", "class_uid", "type_uid");

    /** One attribute as the compiled class or object has it. */
    private record Attribute(String name, ObjectNode definition, String profile) {
    }

    private final JsonNode dictionary = read("dictionary.json");
    private final Map<String, Map<String, Attribute>> objects = new LinkedHashMap<>();

    private static JsonNode read(String path) {
        try (InputStream in = OcsfSchema.class.getResourceAsStream(ROOT + path)) {
            if (in == null) {
                throw new IllegalStateException("the OCSF definition " + path + " is not among the test resources");
            }
            return Json.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problems of {@code event} as an event of class {@code classPath} (e.g. {@code events/application/api_activity.json}). */
    List<String> validate(JsonNode event, String classPath) {
        Map<String, Attribute> attributes = compiled(classPath, "events/base_event.json");
        Set<String> profiles = new HashSet<>();
        event.path("metadata").path("profiles").forEach(p -> profiles.add(p.asString()));
        List<String> problems = new ArrayList<>();
        check(event, attributes, null, profiles, "", problems);
        identity(event, read(classPath), problems);
        return problems;
    }

    /**
     * The identifiers OCSF's tooling derives rather than enumerates: {@code category_uid} is the category's,
     * {@code class_uid} the category's times 1000 plus the class's, {@code type_uid} the class's times 100 plus
     * the activity; the names beside them are the captions.
     */
    private void identity(JsonNode event, JsonNode definition, List<String> problems) {
        JsonNode category = read("categories.json").path("attributes").path(read("events/application/application.json").path("category").asString());
        long categoryUid = category.path("uid").asLong();
        long classUid = categoryUid * 1000 + definition.path("uid").asLong();
        expect(event, "category_uid", categoryUid, problems);
        expect(event, "class_uid", classUid, problems);
        expect(event, "type_uid", classUid * 100 + event.path("activity_id").asLong(), problems);
        if (event.has("category_name") && !event.get("category_name").asString().equals(category.path("caption").asString())) {
            problems.add("category_name: '" + event.get("category_name").asString() + "' is not '" + category.path("caption").asString() + "'");
        }
        if (event.has("class_name") && !event.get("class_name").asString().equals(definition.path("caption").asString())) {
            problems.add("class_name: '" + event.get("class_name").asString() + "' is not '" + definition.path("caption").asString() + "'");
        }
    }

    private static void expect(JsonNode event, String attribute, long value, List<String> problems) {
        if (event.path(attribute).asLong(-1) != value) {
            problems.add(attribute + ": " + event.path(attribute) + " is not " + value);
        }
    }

    private Map<String, Attribute> compiled(String path, String root) {
        JsonNode definition = read(path);
        Map<String, Attribute> attributes = new LinkedHashMap<>();
        String parent = definition.path("extends").asString(null);
        if (parent != null && !path.equals(root)) {
            attributes.putAll(path.startsWith("events/")
                    ? compiled(parent.equals("base_event") ? root : "events/application/" + parent + ".json", root)
                    : objectAttributes(parent));
        }
        for (JsonNode include : definition.path("attributes").path("$include")) {
            JsonNode profile = read(include.asString());
            String name = profile.path("name").asString();
            for (var entry : profile.path("attributes").properties()) {
                attributes.putIfAbsent(entry.getKey(), new Attribute(entry.getKey(), (ObjectNode) entry.getValue(), name));
            }
        }
        for (var entry : definition.path("attributes").properties()) {
            if (entry.getKey().equals("$include")) {
                continue;
            }
            ObjectNode merged = Json.object();
            Attribute inherited = attributes.get(entry.getKey());
            if (inherited != null) {
                merged.setAll(inherited.definition());
            }
            ObjectNode own = (ObjectNode) entry.getValue();
            for (var field : own.properties()) {
                if (field.getKey().equals("enum") && merged.has("enum")) {
                    ObjectNode values = ((ObjectNode) merged.get("enum")).deepCopy();
                    values.setAll((ObjectNode) field.getValue());
                    merged.set("enum", values);
                } else {
                    merged.set(field.getKey(), field.getValue());
                }
            }
            // Defined by the class or object itself: no longer bound to a profile.
            attributes.put(entry.getKey(), new Attribute(entry.getKey(), merged, own.has("profile") && !own.get("profile").isNull()
                    ? own.get("profile").asString() : null));
        }
        if (definition.has("constraints")) {
            attributes.put("$constraints", new Attribute("$constraints", (ObjectNode) definition.get("constraints"), null));
        }
        return attributes;
    }

    private Map<String, Attribute> objectAttributes(String name) {
        if (name.equals("object")) {
            return Map.of();
        }
        Map<String, Attribute> known = objects.get(name);
        if (known == null) {
            known = compiled("objects/" + name + ".json", "objects/object.json");
            objects.put(name, known);
        }
        return known;
    }

    private void check(JsonNode value, Map<String, Attribute> attributes, String objectName, Set<String> profiles, String path,
                       List<String> problems) {
        for (var entry : value.properties()) {
            String key = entry.getKey();
            Attribute attribute = attributes.get(key);
            String at = path.isEmpty() ? key : path + "." + key;
            if (attribute == null || key.startsWith("$") || (attribute.profile() != null && !profiles.contains(attribute.profile()))) {
                problems.add(at + ": not an attribute of " + (objectName == null ? "the class" : "object " + objectName)
                        + (attribute != null && attribute.profile() != null ? " without the " + attribute.profile() + " profile" : ""));
                continue;
            }
            JsonNode base = dictionary.path("attributes").path(key);
            String type = attribute.definition().path("type").asString(base.path("type").asString(null));
            if (type == null) {
                problems.add(at + ": the dictionary has no type for it");
                continue;
            }
            boolean array = attribute.definition().path("is_array").asBoolean(base.path("is_array").asBoolean(false));
            if (array != entry.getValue().isArray()) {
                problems.add(at + ": " + (array ? "must be an array" : "must not be an array"));
                continue;
            }
            List<JsonNode> items = new ArrayList<>();
            if (array) {
                entry.getValue().forEach(items::add);
            } else {
                items.add(entry.getValue());
            }
            for (int i = 0; i < items.size(); i++) {
                checkValue(items.get(i), type, at + (array ? "[" + i + "]" : ""), profiles, problems);
            }
            if (objectName == null && DERIVED.contains(key)) {
                continue;
            }
            JsonNode values = attribute.definition().has("enum") ? attribute.definition().get("enum") : base.path("enum");
            if (!values.isMissingNode() && entry.getValue().isIntegralNumber() && !values.has(entry.getValue().asString())) {
                problems.add(at + ": " + entry.getValue() + " is not one of its enum values " + values.propertyNames());
            }
            String sibling = base.path("sibling").asString(null);
            if (sibling != null && values.isObject() && value.has(sibling) && entry.getValue().isIntegralNumber()
                    && entry.getValue().asInt() != 99) {
                String caption = values.path(entry.getValue().asString()).path("caption").asString();
                if (!caption.equals(value.get(sibling).asString())) {
                    problems.add(path + (path.isEmpty() ? "" : ".") + sibling + ": '" + value.get(sibling).asString() + "' is not the caption of "
                            + key + " " + entry.getValue() + " ('" + caption + "')");
                }
            }
        }
        for (Attribute attribute : attributes.values()) {
            boolean applies = attribute.profile() == null || profiles.contains(attribute.profile());
            if (applies && !attribute.name().startsWith("$") && "required".equals(attribute.definition().path("requirement").asString())
                    && !value.has(attribute.name())) {
                problems.add((path.isEmpty() ? "" : path + ".") + attribute.name() + ": required by "
                        + (objectName == null ? "the class" : "object " + objectName) + " but missing");
            }
        }
        Attribute constraints = attributes.get("$constraints");
        if (constraints != null && constraints.definition().has("at_least_one")) {
            List<String> names = new ArrayList<>();
            constraints.definition().get("at_least_one").forEach(n -> names.add(n.asString()));
            if (names.stream().noneMatch(value::has)) {
                problems.add((path.isEmpty() ? "the event" : path) + ": needs at least one of " + names);
            }
        }
    }

    private void checkValue(JsonNode value, String type, String at, Set<String> profiles, List<String> problems) {
        String base = type;
        while (base.endsWith("_t") && dictionary.path("types").path("attributes").path(base).has("type")) {
            base = dictionary.path("types").path("attributes").path(base).path("type").asString();
        }
        boolean fits = switch (base) {
            case "string_t" -> value.isString();
            case "integer_t", "long_t" -> value.isIntegralNumber();
            case "float_t" -> value.isNumber();
            case "boolean_t" -> value.isBoolean();
            case "json_t" -> true;
            default -> value.isObject();
        };
        if (!fits) {
            problems.add(at + ": " + value.getNodeType() + " is not of type " + type);
            return;
        }
        if (!base.endsWith("_t") && !base.equals("object")) {
            check(value, objectAttributes(base), base, profiles, at, problems);
        }
    }
}
