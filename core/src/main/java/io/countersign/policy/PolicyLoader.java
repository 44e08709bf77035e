package io.countersign.policy;

import io.countersign.model.ActionDigest;
import io.countersign.yaml.Yaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * Reads a directory of policy YAML files into a {@link Policy}, or refuses with a message naming the
 * file, the rule and the reason. Files ending in {@code _test.yaml} hold policy tests and are skipped.
 */
public final class PolicyLoader {
    static final Duration MIN_TTL = Duration.ofSeconds(1);
    static final Duration MAX_TTL = Duration.ofDays(30);
    private static final Pattern RULE_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");
    private static final Pattern CHANNEL = Pattern.compile("(slack|teams|webhook|email):[^\\s]+");
    private static final Pattern CONTROL = Pattern.compile("[a-z0-9-]+:[A-Za-z0-9().-]+");
    private static final Set<String> TOP = Set.of("version", "default", "defaults", "rules");
    private static final Set<String> DEFAULTS = Set.of("approvals", "ttl", "justification");
    private static final Set<String> RULE = Set.of("id", "description", "when", "effect", "approvals", "require",
            "require_message", "ttl", "notify", "controls", "justification", "reason");
    private static final Set<String> APPROVALS = Set.of("min", "from", "any_deny_ends");

    private final Set<String> knownGroups;

    /** @param knownGroups the reviewer groups that exist in the identities; approvals naming others are errors */
    public PolicyLoader(Set<String> knownGroups) {
        this.knownGroups = Set.copyOf(knownGroups);
    }

    public Policy load(Path directory) {
        List<Path> files = policyFiles(directory);
        if (files.isEmpty()) {
            throw new PolicyException(directory + ": no policy files (*.yaml) found");
        }
        List<Rule> rules = new ArrayList<>();
        Map<String, String> ruleFiles = new HashMap<>();
        Effect defaultEffect = null;
        Policy.RuleDefaults defaults = null;
        String defaultsFile = null;
        List<String> names = new ArrayList<>();
        List<FileReader> readers = new ArrayList<>();
        var versionHash = new java.io.ByteArrayOutputStream();
        for (Path file : files) {
            String name = directory.relativize(file).toString();
            names.add(name);
            byte[] bytes = read(file);
            versionHash.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            versionHash.write(0);
            versionHash.writeBytes(bytes);
            versionHash.write(0);
            FileReader reader = new FileReader(name, Yaml.parse(name, new String(bytes, StandardCharsets.UTF_8)));
            readers.add(reader);
            Effect fileDefault = reader.defaultEffect();
            if (fileDefault != null) {
                defaultEffect = defaultEffect == null || fileDefault.compareTo(defaultEffect) > 0 ? fileDefault : defaultEffect;
            }
            if (reader.top.has("defaults")) {
                if (defaults != null) {
                    throw new PolicyException(name + ": 'defaults' is already set in " + defaultsFile + "; set it in one file only");
                }
                defaults = reader.defaults();
                defaultsFile = name;
            }
        }
        Policy.RuleDefaults resolved = defaults != null ? defaults
                : new Policy.RuleDefaults(1, List.of(), Duration.ofHours(1), Justification.OPTIONAL);
        // Rules need the defaults, which any file may set: a second pass over the parsed files.
        for (FileReader reader : readers) {
            for (Rule rule : reader.rules(resolved)) {
                String previous = ruleFiles.putIfAbsent(rule.id(), reader.file);
                if (previous != null) {
                    throw new PolicyException(reader.file + ": rule '" + rule.id() + "': duplicate rule id (also in " + previous + ")");
                }
                rules.add(rule);
            }
        }
        String version = "sha256:" + HexFormat.of().formatHex(ActionDigest.sha256(versionHash.toByteArray()));
        // "default" left unstated is require_approval: a policy never fails open by omission.
        return new Policy(rules, defaultEffect == null ? Effect.REQUIRE_APPROVAL : defaultEffect, resolved,
                new PolicyVersion(version), names);
    }

    private static List<Path> policyFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new PolicyException(directory + ": policy directory does not exist");
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return (n.endsWith(".yaml") || n.endsWith(".yml")) && !n.endsWith("_test.yaml") && !n.endsWith("_test.yml");
                    })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PolicyException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Validates one parsed file; every message starts with the file name. */
    private final class FileReader {
        private final String file;
        private final JsonNode top;

        FileReader(String file, JsonNode top) {
            this.file = file;
            if (top == null || !top.isObject()) {
                throw new PolicyException(file + ": expected a mapping with version, default and rules");
            }
            this.top = top;
            unknownKeys(top, TOP, "");
            JsonNode version = top.get("version");
            if (version == null || !version.isIntegralNumber() || version.intValue() != 1) {
                throw new PolicyException(file + ": 'version' must be 1");
            }
        }

        Effect defaultEffect() {
            JsonNode value = top.get("default");
            if (value == null) {
                return null;
            }
            Effect effect = value.isString() ? Effect.fromWire(value.stringValue()) : null;
            if (effect == null) {
                throw new PolicyException(file + ": 'default' must be one of allow, deny, require_approval");
            }
            return effect;
        }

        Policy.RuleDefaults defaults() {
            JsonNode node = top.get("defaults");
            String where = "defaults";
            if (!node.isObject()) {
                throw new PolicyException(file + ": 'defaults' must be a mapping");
            }
            unknownKeys(node, DEFAULTS, where + ".");
            JsonNode approvals = node.get("approvals");
            int min = approvals == null ? 1 : min(approvals, where);
            List<String> from = approvals == null ? List.of() : from(approvals, where);
            Duration ttl = node.has("ttl") ? ttl(node.get("ttl"), where) : Duration.ofHours(1);
            Justification justification = node.has("justification") ? justification(node.get("justification"), where) : Justification.OPTIONAL;
            return new Policy.RuleDefaults(min, from, ttl, justification);
        }

        List<Rule> rules(Policy.RuleDefaults defaults) {
            JsonNode list = top.get("rules");
            if (list == null) {
                return List.of();
            }
            if (!list.isArray()) {
                throw new PolicyException(file + ": 'rules' must be a list");
            }
            List<Rule> rules = new ArrayList<>();
            int index = 0;
            for (JsonNode node : list.values()) {
                rules.add(rule(node, index++, defaults));
            }
            return rules;
        }

        private Rule rule(JsonNode node, int index, Policy.RuleDefaults defaults) {
            if (!node.isObject()) {
                throw new PolicyException(file + ": rules[" + index + "] must be a mapping");
            }
            String id = text(node, "id", "rules[" + index + "]");
            if (id == null) {
                throw new PolicyException(file + ": rules[" + index + "]: missing 'id'");
            }
            if (!RULE_ID.matcher(id).matches()) {
                throw new PolicyException(file + ": rules[" + index + "]: id '" + id + "' must be lower-case letters, digits, '-', '_' or '.'");
            }
            String where = "rule '" + id + "'";
            unknownKeys(node, RULE, where + ": ");
            String whenSource = text(node, "when", where);
            if (whenSource == null) {
                throw new PolicyException(file + ": " + where + ": missing 'when' (a CEL condition; use 'true' to match everything)");
            }
            CelCondition when = condition(whenSource, where, "when");
            String effectText = text(node, "effect", where);
            Effect effect = effectText == null ? null : Effect.fromWire(effectText);
            if (effect == null) {
                throw new PolicyException(file + ": " + where + ": 'effect' must be one of allow, deny, require_approval");
            }
            JsonNode approvals = node.get("approvals");
            if (approvals != null && effect != Effect.REQUIRE_APPROVAL) {
                throw new PolicyException(file + ": " + where + ": 'approvals' only applies to effect require_approval");
            }
            int min = defaults.minApprovals();
            List<String> from = defaults.approvers();
            boolean anyDenyEnds = true;
            if (approvals != null) {
                if (!approvals.isObject()) {
                    throw new PolicyException(file + ": " + where + ": 'approvals' must be a mapping with min and from");
                }
                unknownKeys(approvals, APPROVALS, where + ": approvals.");
                min = approvals.has("min") ? min(approvals, where) : min;
                from = approvals.has("from") ? from(approvals, where) : from;
                JsonNode ends = approvals.get("any_deny_ends");
                if (ends != null) {
                    if (!ends.isBoolean()) {
                        throw new PolicyException(file + ": " + where + ": approvals.any_deny_ends must be true or false");
                    }
                    anyDenyEnds = ends.booleanValue();
                }
            }
            String requireSource = text(node, "require", where);
            CelCondition require = requireSource == null ? null : condition(requireSource, where, "require");
            String requireMessage = text(node, "require_message", where);
            if (require != null && requireMessage == null) {
                requireMessage = "rule " + id + " requires: " + requireSource;
            }
            Duration ttl = node.has("ttl") ? ttl(node.get("ttl"), where) : defaults.ttl();
            Justification justification = node.has("justification") ? justification(node.get("justification"), where) : defaults.justification();
            String description = text(node, "description", where);
            String reason = text(node, "reason", where);
            if (reason == null) {
                reason = description != null ? description : "denied by rule " + id;
            }
            return new Rule(id, description, file, when, effect, min, from, anyDenyEnds, require, requireMessage, ttl,
                    justification, strings(node, "notify", where, CHANNEL, "kind:target, e.g. slack:C0PROD"),
                    strings(node, "controls", where, CONTROL, "framework:ID, e.g. soc2:CC8.1"), reason);
        }

        private CelCondition condition(String source, String where, String key) {
            try {
                return CelCondition.compile(source);
            } catch (PolicyException e) {
                throw new PolicyException(file + ": " + where + ": '" + key + "' does not compile: " + e.getMessage());
            }
        }

        private int min(JsonNode approvals, String where) {
            JsonNode min = approvals.get("min");
            if (min == null || !min.isIntegralNumber() || min.intValue() < 1 || min.intValue() > 20) {
                throw new PolicyException(file + ": " + where + ": approvals.min must be a whole number from 1 to 20");
            }
            return min.intValue();
        }

        private List<String> from(JsonNode approvals, String where) {
            List<String> groups = strings(approvals, "from", where + ": approvals", null, null);
            for (String group : groups) {
                if (!knownGroups.contains(group)) {
                    throw new PolicyException(file + ": " + where + ": approvals.from names unknown group '" + group
                            + "' (known groups: " + String.join(", ", new TreeSet<>(knownGroups)) + ")");
                }
            }
            return groups;
        }

        private Duration ttl(JsonNode value, String where) {
            Duration ttl = value.isString() ? DurationText.parse(value.stringValue()) : null;
            if (ttl == null) {
                throw new PolicyException(file + ": " + where + ": ttl must be a duration such as 90s, 15m, 1h or 2d");
            }
            if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
                throw new PolicyException(file + ": " + where + ": ttl " + value.stringValue() + " is out of range (1s to 30d)");
            }
            return ttl;
        }

        private Justification justification(JsonNode value, String where) {
            if (value.isString()) {
                for (Justification j : Justification.values()) {
                    if (j.wireName().equals(value.stringValue())) {
                        return j;
                    }
                }
            }
            throw new PolicyException(file + ": " + where + ": justification must be required or optional");
        }

        private String text(JsonNode node, String key, String where) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isString() && !value.isBoolean()) {
                throw new PolicyException(file + ": " + where + ": '" + key + "' must be text");
            }
            return value.asString();
        }

        private List<String> strings(JsonNode node, String key, String where, Pattern format, String expected) {
            JsonNode value = node.get(key);
            if (value == null) {
                return List.of();
            }
            if (!value.isArray()) {
                throw new PolicyException(file + ": " + where + ": '" + key + "' must be a list");
            }
            List<String> result = new ArrayList<>();
            for (JsonNode item : value.values()) {
                if (!item.isString() || (format != null && !format.matcher(item.stringValue()).matches())) {
                    throw new PolicyException(file + ": " + where + ": " + key + " entry " + item
                            + (expected == null ? " must be text" : " must look like " + expected));
                }
                result.add(item.stringValue());
            }
            return List.copyOf(result);
        }

        private void unknownKeys(JsonNode node, Set<String> allowed, String where) {
            for (String key : node.propertyNames()) {
                if (!allowed.contains(key)) {
                    throw new PolicyException(file + ": " + where + "unknown key '" + key + "' (allowed: "
                            + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
        }
    }
}
