package io.countersign.inventory;

import io.countersign.json.ActionDigest;
import io.countersign.policy.PolicyProblem;
import io.countersign.yaml.MalformedYamlException;
import io.countersign.yaml.Yaml;
import io.countersign.yaml.YamlDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Reads the resource inventory ({@code resources.yaml}), or refuses it with every problem found, each
 * naming the file, the line and what is wrong. No file is an empty inventory: every resource unknown.
 *
 * <pre>{@code
 * version: 1
 * resources:
 *   - type: postgres.table
 *     id: prod/*
 *     env: prod
 *     labels: {data_class: pii}
 *     team: data-platform
 * }</pre>
 */
public final class InventoryLoader {
    private static final Set<String> TOP = Set.of("version", "resources");
    private static final Set<String> ENTRY = Set.of("type", "id", "env", "labels", "team");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,255}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,63}");

    private InventoryLoader() {
    }

    /** @throws InventoryException listing every problem, when the file is not a valid inventory */
    public static Inventory load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Inventory.EMPTY;
        } catch (IOException e) {
            throw new InventoryException(List.of(new PolicyProblem(file.getFileName().toString(), 0, null, "cannot read: " + e.getMessage())));
        }
        return parse(file.getFileName().toString(), bytes);
    }

    static Inventory parse(String name, byte[] bytes) {
        List<PolicyProblem> problems = new ArrayList<>();
        YamlDocument document;
        try {
            document = Yaml.parseWithLines(name, new String(bytes, StandardCharsets.UTF_8));
        } catch (MalformedYamlException e) {
            throw new InventoryException(List.of(new PolicyProblem(name, e.line(), null, "malformed YAML: " + e.reason())));
        }
        JsonNode root = document.root();
        if (root == null || !root.isObject()) {
            throw new InventoryException(List.of(new PolicyProblem(name, 1, null, "expected a mapping with version: 1 and a list of resources")));
        }
        unknownKeys(document, root, TOP, "", problems);
        if (!root.path("version").isIntegralNumber() || root.path("version").intValue() != 1) {
            problems.add(problem(document, "/version", "'version' must be 1"));
        }
        JsonNode list = root.get("resources");
        List<KnownResource> entries = new ArrayList<>();
        if (list != null && !list.isNull() && !list.isArray()) {
            problems.add(problem(document, "/resources", "'resources' must be a list"));
        } else if (list != null && list.isArray()) {
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; i < list.size(); i++) {
                KnownResource entry = entry(document, list.get(i), "/resources/" + i, problems);
                if (entry == null) {
                    continue;
                }
                String key = entry.type() + " " + entry.idPattern();
                String earlier = seen.putIfAbsent(key, entry.where());
                if (earlier != null) {
                    problems.add(problem(document, "/resources/" + i + "/id", "resource " + key + " is already listed at " + earlier));
                } else {
                    entries.add(entry);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InventoryException(problems);
        }
        return new Inventory(entries, "sha256:" + java.util.HexFormat.of().formatHex(ActionDigest.sha256(bytes)));
    }

    private static KnownResource entry(YamlDocument document, JsonNode node, String at, List<PolicyProblem> problems) {
        if (!node.isObject()) {
            problems.add(problem(document, at, "each resource must be a mapping with type, id and env"));
            return null;
        }
        int before = problems.size();
        unknownKeys(document, node, ENTRY, at, problems);
        String type = text(document, node, "type", at, TYPE, "a resource type such as postgres.table", true, problems);
        String id = text(document, node, "id", at, null, null, true, problems);
        if (id != null && (id.isEmpty() || id.length() > 1024)) {
            problems.add(problem(document, at + "/id", "'id' must be 1 to 1024 characters ('*' stands for any run of characters)"));
        }
        String env = text(document, node, "env", at, NAME, "an environment name such as prod", true, problems);
        String team = text(document, node, "team", at, NAME, "a team name", false, problems);
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode given = node.get("labels");
        if (given != null && !given.isNull()) {
            if (!given.isObject()) {
                problems.add(problem(document, at + "/labels", "'labels' must be a mapping of names to text"));
            } else if (given.size() > 64) {
                problems.add(problem(document, at + "/labels", "at most 64 labels"));
            } else {
                for (Map.Entry<String, JsonNode> label : given.properties()) {
                    if (!NAME.matcher(label.getKey()).matches()) {
                        problems.add(problem(document, at + "/labels/" + label.getKey(), "label name '" + label.getKey()
                                + "' must be letters, digits, '_', '.', ':', '/' or '-'"));
                    } else if (!label.getValue().isString() || label.getValue().stringValue().length() > 256) {
                        problems.add(problem(document, at + "/labels/" + label.getKey(), "label '" + label.getKey()
                                + "' must be text of at most 256 characters (quote true, false and numbers: \"true\")"));
                    } else {
                        labels.put(label.getKey(), label.getValue().stringValue());
                    }
                }
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new KnownResource(type, id, env, labels, team, document.file(), document.line(at));
    }

    private static String text(YamlDocument document, JsonNode node, String key, String at, Pattern format, String expected,
                               boolean required, List<PolicyProblem> problems) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            if (required) {
                problems.add(problem(document, at, "missing '" + key + "'"));
            }
            return null;
        }
        if (!value.isString() || (format != null && !format.matcher(value.stringValue()).matches())) {
            problems.add(problem(document, at + "/" + key, "'" + key + "' must be " + (expected == null ? "text" : expected)));
            return null;
        }
        return value.stringValue();
    }

    private static void unknownKeys(YamlDocument document, JsonNode node, Set<String> allowed, String at, List<PolicyProblem> problems) {
        for (String key : node.propertyNames()) {
            if (!allowed.contains(key)) {
                problems.add(problem(document, at + "/" + key, "unknown key '" + key + "' (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")"));
            }
        }
    }

    private static PolicyProblem problem(YamlDocument document, String pointer, String message) {
        return new PolicyProblem(document.file(), document.line(pointer), null, message);
    }
}
