package io.countersign.policy;

import io.countersign.json.ActionDigest;
import io.countersign.yaml.MalformedYamlException;
import io.countersign.yaml.Yaml;
import io.countersign.yaml.YamlDocument;
import java.io.ByteArrayOutputStream;
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
 * Reads a directory of policy YAML files into a {@link Policy}, or refuses with every problem found,
 * each naming the file, the line, the rule and the reason. Files ending in {@code _test.yaml} hold
 * policy tests and are skipped.
 */
public final class PolicyLoader {
    static final Duration MIN_TTL = Duration.ofSeconds(1);
    static final Duration MAX_TTL = Duration.ofDays(30);
    private static final Pattern RULE_ID = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");
    private static final Pattern CHANNEL = Pattern.compile("(slack|teams|webhook|email):[^\\s]+");
    private static final Set<String> TOP = Set.of("version", "default", "defaults", "rules");
    private static final Set<String> DEFAULTS = Set.of("approvals", "ttl", "justification", "approval_ttl");
    private static final Set<String> RULE = Set.of("id", "description", "when", "effect", "approvals", "require",
            "require_message", "ttl", "notify", "controls", "justification", "reason", "relax_pending", "grant_ttl",
            "approval_ttl", "break_glass", "on_behalf_of", "remind_after", "escalate_after", "escalate_to", "notify_requester");
    static final Duration MIN_APPROVAL_TTL = Duration.ofSeconds(1);
    static final Duration MAX_APPROVAL_TTL = Duration.ofDays(7);
    private static final Set<String> APPROVALS = Set.of("min", "from", "any_deny_ends");
    /** More stages than this is a process no request gets through. */
    private static final int MAX_STAGES = 5;
    private static final Policy.RuleDefaults BUILT_IN_DEFAULTS =
            new Policy.RuleDefaults(1, List.of(), Duration.ofHours(1), Justification.OPTIONAL, RequireApproval.DEFAULT_APPROVAL_TTL);

    private final Set<String> knownGroups;

    /**
     * @param knownGroups the reviewer groups that exist in the identities; approvals naming others are
     *                    errors. Null accepts any group (checking a policy without its identities).
     */
    public PolicyLoader(Set<String> knownGroups) {
        this.knownGroups = knownGroups == null ? null : Set.copyOf(knownGroups);
    }

    /** Whether a file name is one the loader reads as policy (rather than tests or anything else). */
    public static boolean isPolicyFile(String name) {
        return (name.endsWith(".yaml") || name.endsWith(".yml")) && !isTestFile(name);
    }

    public static boolean isTestFile(String name) {
        return name.endsWith("_test.yaml") || name.endsWith("_test.yml");
    }

    /** @throws PolicyException listing every problem, when the directory does not make a valid policy */
    public Policy load(Path directory) {
        List<Path> files = files(directory, PolicyLoader::isPolicyFile);
        if (files.isEmpty()) {
            throw new PolicyException(directory + ": no policy files (*.yaml) found");
        }
        List<PolicyProblem> problems = new ArrayList<>();
        List<FileReader> readers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        ByteArrayOutputStream versionInput = new ByteArrayOutputStream();
        for (Path file : files) {
            String name = directory.relativize(file).toString();
            names.add(name);
            byte[] bytes = read(file);
            versionInput.writeBytes(name.getBytes(StandardCharsets.UTF_8));
            versionInput.write(0);
            versionInput.writeBytes(bytes);
            versionInput.write(0);
            try {
                FileReader reader = new FileReader(Yaml.parseWithLines(name, new String(bytes, StandardCharsets.UTF_8)), problems);
                if (reader.valid) {
                    readers.add(reader);
                }
            } catch (MalformedYamlException e) {
                problems.add(new PolicyProblem(name, e.line(), null, "malformed YAML: " + e.reason()));
            }
        }
        Effect defaultEffect = null;
        Policy.RuleDefaults defaults = null;
        String defaultsFile = null;
        for (FileReader reader : readers) {
            Effect fileDefault = reader.defaultEffect();
            if (fileDefault != null && (defaultEffect == null || fileDefault.compareTo(defaultEffect) > 0)) {
                defaultEffect = fileDefault;
            }
            if (reader.root.has("defaults")) {
                if (defaults != null) {
                    problems.add(reader.problem("/defaults", null, "'defaults' is already set in " + defaultsFile + "; set it in one file only"));
                    continue;
                }
                Policy.RuleDefaults fileDefaults = reader.defaults();
                if (fileDefaults != null) {
                    defaults = fileDefaults;
                    defaultsFile = reader.document.file();
                }
            }
        }
        Policy.RuleDefaults resolved = defaults != null ? defaults : BUILT_IN_DEFAULTS;
        // Rules need the defaults, which any file may set: a second pass over the parsed files.
        List<Rule> rules = new ArrayList<>();
        Map<String, String> ruleFiles = new HashMap<>();
        for (FileReader reader : readers) {
            for (FileReader.Located located : reader.rules(resolved)) {
                Rule rule = located.rule();
                String previous = ruleFiles.putIfAbsent(rule.id(), reader.document.file());
                if (previous != null) {
                    problems.add(reader.problem(located.pointer() + "/id", rule.id(), "duplicate rule id (also in " + previous + ")"));
                } else {
                    rules.add(rule);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        String version = "sha256:" + HexFormat.of().formatHex(ActionDigest.sha256(versionInput.toByteArray()));
        // "default" left unstated is require_approval: a policy never fails open by omission.
        return new Policy(rules, defaultEffect == null ? Effect.REQUIRE_APPROVAL : defaultEffect, resolved,
                new PolicyVersion(version), names);
    }

    /** The regular files of {@code directory} whose names pass {@code wanted}, sorted by name. */
    public static List<Path> files(Path directory, java.util.function.Predicate<String> wanted) {
        if (!Files.isDirectory(directory)) {
            throw new PolicyException(directory + ": policy directory does not exist");
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(Files::isRegularFile)
                    .filter(p -> wanted.test(p.getFileName().toString()))
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

    /** A fault found while reading one value; {@code pointer} locates it in the file. */
    private static final class Invalid extends RuntimeException {
        private final String pointer;

        Invalid(String pointer, String message) {
            super(message, null, false, false);
            this.pointer = pointer;
        }
    }

    /** Validates one parsed file, adding what it finds to the shared list of problems. */
    private final class FileReader {
        private final YamlDocument document;
        private final JsonNode root;
        private final List<PolicyProblem> problems;
        private final boolean valid;

        record Located(Rule rule, String pointer) {
        }

        FileReader(YamlDocument document, List<PolicyProblem> problems) {
            this.document = document;
            this.root = document.root();
            this.problems = problems;
            this.valid = check(() -> {
                if (root == null || !root.isObject()) {
                    throw new Invalid("", "expected a mapping with version, default and rules");
                }
                unknownKeys(root, TOP, "");
                JsonNode version = root.get("version");
                if (version == null || !version.isIntegralNumber() || version.intValue() != 1) {
                    throw new Invalid("/version", "'version' must be 1");
                }
                if (root.has("rules") && !root.get("rules").isArray()) {
                    throw new Invalid("/rules", "'rules' must be a list");
                }
            }, null);
        }

        PolicyProblem problem(String pointer, String rule, String message) {
            return new PolicyProblem(document.file(), document.line(pointer), rule, message);
        }

        private boolean check(Runnable validation, String rule) {
            try {
                validation.run();
                return true;
            } catch (Invalid e) {
                problems.add(problem(e.pointer, rule, e.getMessage()));
                return false;
            }
        }

        Effect defaultEffect() {
            JsonNode value = root.get("default");
            if (value == null) {
                return null;
            }
            Effect effect = value.isString() ? Effect.fromWire(value.stringValue()) : null;
            if (effect == null) {
                problems.add(problem("/default", null, "'default' must be one of allow, deny, require_approval"));
                return Effect.DENY; // the file stays invalid; the strictest default keeps its neighbours honest
            }
            return effect;
        }

        Policy.RuleDefaults defaults() {
            Policy.RuleDefaults[] result = new Policy.RuleDefaults[1];
            check(() -> {
                JsonNode node = root.get("defaults");
                if (!node.isObject()) {
                    throw new Invalid("/defaults", "'defaults' must be a mapping");
                }
                unknownKeys(node, DEFAULTS, "/defaults");
                JsonNode approvals = node.get("approvals");
                int min = approvals == null ? 1 : min(approvals, "/defaults/approvals");
                List<String> from = approvals == null ? List.of() : from(approvals, "/defaults/approvals");
                Duration ttl = node.has("ttl") ? ttl(node.get("ttl"), "/defaults/ttl") : BUILT_IN_DEFAULTS.ttl();
                Justification justification = node.has("justification")
                        ? justification(node.get("justification"), "/defaults/justification") : Justification.OPTIONAL;
                Duration approvalTtl = node.has("approval_ttl")
                        ? approvalTtl(node.get("approval_ttl"), "/defaults/approval_ttl") : BUILT_IN_DEFAULTS.approvalTtl();
                result[0] = new Policy.RuleDefaults(min, from, ttl, justification, approvalTtl);
            }, null);
            return result[0];
        }

        List<Located> rules(Policy.RuleDefaults defaults) {
            JsonNode list = root.get("rules");
            if (list == null) {
                return List.of();
            }
            List<Located> rules = new ArrayList<>();
            int index = 0;
            for (JsonNode node : list.values()) {
                String pointer = "/rules/" + index++;
                String id = node.isObject() && node.path("id").isString() ? node.get("id").stringValue() : null;
                check(() -> rules.add(new Located(rule(node, pointer, defaults), pointer)), id);
            }
            return rules;
        }

        private Rule rule(JsonNode node, String at, Policy.RuleDefaults defaults) {
            String item = "rules[" + at.substring(at.lastIndexOf('/') + 1) + "]";
            if (!node.isObject()) {
                throw new Invalid(at, item + " must be a mapping");
            }
            String id = text(node, "id", at);
            if (id == null) {
                throw new Invalid(at, item + ": missing 'id'");
            }
            if (!RULE_ID.matcher(id).matches()) {
                throw new Invalid(at + "/id", "id must be lower-case letters, digits, '-', '_' or '.'");
            }
            unknownKeys(node, RULE, at);
            String whenSource = text(node, "when", at);
            if (whenSource == null) {
                throw new Invalid(at, "missing 'when' (a CEL condition; use 'true' to match everything)");
            }
            CelCondition when = condition(whenSource, at + "/when", "when");
            String effectText = text(node, "effect", at);
            Effect effect = effectText == null ? null : Effect.fromWire(effectText);
            if (effect == null) {
                throw new Invalid(at + "/effect", "'effect' must be one of allow, deny, require_approval");
            }
            JsonNode approvals = node.get("approvals");
            if (approvals != null && effect != Effect.REQUIRE_APPROVAL) {
                throw new Invalid(at + "/approvals", "'approvals' only applies to effect require_approval");
            }
            int min = defaults.minApprovals();
            List<String> from = defaults.approvers();
            boolean anyDenyEnds = true;
            List<ApprovalRequirement> stages = null;
            if (approvals != null && approvals.isArray()) {
                stages = stages(id, approvals, at + "/approvals", from);
                min = stages.stream().mapToInt(ApprovalRequirement::min).max().orElse(min);
                from = stages.stream().flatMap(r -> r.from().stream()).distinct().sorted().toList();
            } else if (approvals != null) {
                String here = at + "/approvals";
                if (!approvals.isObject()) {
                    throw new Invalid(here, "'approvals' must be a mapping with min and from, or a list of stages");
                }
                unknownKeys(approvals, APPROVALS, here);
                min = approvals.has("min") ? min(approvals, here) : min;
                from = approvals.has("from") ? from(approvals, here) : from;
                JsonNode ends = approvals.get("any_deny_ends");
                if (ends != null) {
                    if (!ends.isBoolean()) {
                        throw new Invalid(here + "/any_deny_ends", "approvals.any_deny_ends must be true or false");
                    }
                    anyDenyEnds = ends.booleanValue();
                }
            }
            String requireSource = text(node, "require", at);
            CelCondition require = requireSource == null ? null : condition(requireSource, at + "/require", "require");
            String requireMessage = text(node, "require_message", at);
            if (require != null && requireMessage == null) {
                requireMessage = "rule " + id + " requires: " + requireSource;
            }
            Duration ttl = node.has("ttl") ? ttl(node.get("ttl"), at + "/ttl") : defaults.ttl();
            Justification justification = node.has("justification")
                    ? justification(node.get("justification"), at + "/justification") : defaults.justification();
            boolean relaxPending = relaxPending(node, at);
            String description = text(node, "description", at);
            String reason = text(node, "reason", at);
            if (reason == null) {
                reason = description != null ? description : "denied by rule " + id;
            }
            List<String> controls = strings(node, "controls", at, null, null);
            for (int i = 0; i < controls.size(); i++) {
                if (!ControlCatalog.contains(controls.get(i))) {
                    throw new Invalid(at + "/controls/" + i, "unknown control '" + controls.get(i)
                            + "' (the catalog: countersign policy controls; e.g. soc2:CC8.1, nist-800-53:AC-3(2), iso27001:8.32)");
                }
            }
            if (node.has("approval_ttl") && effect != Effect.REQUIRE_APPROVAL) {
                throw new Invalid(at + "/approval_ttl", "'approval_ttl' only applies to effect require_approval");
            }
            Duration approvalTtl = node.has("approval_ttl") ? approvalTtl(node.get("approval_ttl"), at + "/approval_ttl") : defaults.approvalTtl();
            JsonNode breakGlass = node.get("break_glass");
            if (breakGlass != null && !breakGlass.isBoolean()) {
                throw new Invalid(at + "/break_glass", "break_glass must be true or false (false: no admin may break glass on what this rule holds)");
            }
            String onBehalfOf = text(node, "on_behalf_of", at);
            if (onBehalfOf != null && !onBehalfOf.equals("any") && !onBehalfOf.equals("known")) {
                throw new Invalid(at + "/on_behalf_of", "on_behalf_of must be known (a human of the identities file; the default) or any");
            }
            return new Rule(id, description, document.file(), document.line(at), when, effect, min, from, anyDenyEnds,
                    require, requireMessage, ttl, justification,
                    strings(node, "notify", at, CHANNEL, "kind:target, e.g. slack:C0PROD"), controls, reason, relaxPending,
                    grantTtl(node, at), approvalTtl, breakGlass == null || breakGlass.booleanValue(), "any".equals(onBehalfOf), stages,
                    nudges(node, at, effect));
        }

        /** {@code remind_after}, {@code escalate_after} and {@code escalate_to}: a held request does not rot in an inbox. */
        private Nudges nudges(JsonNode node, String at, Effect effect) {
            boolean any = node.has("remind_after") || node.has("escalate_after") || node.has("escalate_to") || node.has("notify_requester");
            if (!any) {
                return null;
            }
            if (effect != Effect.REQUIRE_APPROVAL) {
                throw new Invalid(at, "remind_after, escalate_after, escalate_to and notify_requester only apply to effect require_approval");
            }
            Duration remind = node.has("remind_after") ? nudgeAfter(node.get("remind_after"), at + "/remind_after") : null;
            Duration escalate = node.has("escalate_after") ? nudgeAfter(node.get("escalate_after"), at + "/escalate_after") : null;
            List<String> to = strings(node, "escalate_to", at, null, null);
            for (int i = 0; i < to.size(); i++) {
                if (knownGroups != null && !knownGroups.contains(to.get(i))) {
                    throw new Invalid(at + "/escalate_to/" + i, "escalate_to names unknown group '" + to.get(i) + "' (known groups: "
                            + String.join(", ", new TreeSet<>(knownGroups)) + ")");
                }
            }
            if ((escalate == null) != to.isEmpty()) {
                throw new Invalid(at + (escalate == null ? "/escalate_to" : "/escalate_after"),
                        "escalate_after and escalate_to go together: after how long, and which groups join the stage");
            }
            JsonNode notify = node.get("notify_requester");
            if (notify != null && !notify.isBoolean()) {
                throw new Invalid(at + "/notify_requester", "notify_requester must be true or false");
            }
            return Nudges.of(remind, escalate, to, notify != null && notify.booleanValue());
        }

        private Duration nudgeAfter(JsonNode value, String at) {
            Duration after = value.isString() ? DurationText.parse(value.stringValue()) : null;
            if (after == null || after.compareTo(Duration.ofMinutes(1)) < 0 || after.compareTo(Duration.ofDays(7)) > 0) {
                throw new Invalid(at, "a duration from 1m to 7d, such as 30m");
            }
            return after;
        }

        /**
         * {@code approvals} as a list: the stages of the review, in order. A stage is {@code {min, from}}, or
         * {@code all_of} (every one of its demands) and {@code any_of} (one of its alternatives) lists of them.
         */
        private List<ApprovalRequirement> stages(String rule, JsonNode approvals, String at, List<String> defaultFrom) {
            if (approvals.isEmpty() || approvals.size() > MAX_STAGES) {
                throw new Invalid(at, "approvals as a list is the review's stages, in order: from 1 to " + MAX_STAGES + " of them");
            }
            List<ApprovalRequirement> stages = new ArrayList<>();
            for (int stage = 0; stage < approvals.size(); stage++) {
                JsonNode item = approvals.get(stage);
                String here = at + "/" + stage;
                if (!item.isObject()) {
                    throw new Invalid(here, "a stage is a mapping: {min, from}, or all_of and any_of lists of them");
                }
                if (item.has("all_of") || item.has("any_of")) {
                    unknownKeys(item, Set.of("all_of", "any_of"), here);
                    JsonNode all = item.path("all_of");
                    if (item.has("all_of") && (!all.isArray() || all.isEmpty())) {
                        throw new Invalid(here + "/all_of", "all_of lists the demands that must all be met, each {min, from}");
                    }
                    for (int i = 0; i < all.size(); i++) {
                        stages.add(requirement(rule, all.get(i), here + "/all_of/" + i, stage, ApprovalRequirement.ALONE, defaultFrom));
                    }
                    JsonNode any = item.path("any_of");
                    if (item.has("any_of") && (!any.isArray() || any.size() < 2)) {
                        throw new Invalid(here + "/any_of", "any_of lists at least two alternatives, each {min, from}; one of them suffices");
                    }
                    for (int i = 0; i < any.size(); i++) {
                        stages.add(requirement(rule, any.get(i), here + "/any_of/" + i, stage, 0, defaultFrom));
                    }
                } else {
                    stages.add(requirement(rule, item, here, stage, ApprovalRequirement.ALONE, defaultFrom));
                }
            }
            return List.copyOf(stages);
        }

        private ApprovalRequirement requirement(String rule, JsonNode node, String at, int stage, int anyOf, List<String> defaultFrom) {
            if (!node.isObject()) {
                throw new Invalid(at, "a demand is a mapping with min and from");
            }
            unknownKeys(node, Set.of("min", "from"), at);
            int min = node.has("min") ? min(node, at) : 1;
            List<String> from = node.has("from") ? from(node, at) : defaultFrom;
            return new ApprovalRequirement(rule, min, Set.copyOf(from), stage, anyOf);
        }

        /** An approval is meant to be used soon after it is given: from a second to 7 days. */
        private Duration approvalTtl(JsonNode value, String at) {
            Duration ttl = value.isString() ? DurationText.parse(value.stringValue()) : null;
            if (ttl == null || ttl.compareTo(MIN_APPROVAL_TTL) < 0 || ttl.compareTo(MAX_APPROVAL_TTL) > 0) {
                throw new Invalid(at, "approval_ttl must be a duration from 1s to 7d, such as 30m: how long an approval stands before the action must have run");
            }
            return ttl;
        }

        /** Grants are meant to be used at once: from 10 seconds to an hour. */
        private Duration grantTtl(JsonNode node, String at) {
            if (!node.has("grant_ttl")) {
                return null;
            }
            JsonNode value = node.get("grant_ttl");
            Duration ttl = value.isString() ? DurationText.parse(value.stringValue()) : null;
            if (ttl == null || ttl.compareTo(Duration.ofSeconds(10)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
                throw new Invalid(at + "/grant_ttl", "grant_ttl must be a duration from 10s to 1h, such as 2m");
            }
            return ttl;
        }

        private boolean relaxPending(JsonNode node, String at) {
            String value = text(node, "relax_pending", at);
            if (value == null || value.equals("keep")) {
                return false;
            }
            if (value.equals("approve")) {
                return true;
            }
            throw new Invalid(at + "/relax_pending", "relax_pending must be keep (the default) or approve");
        }

        private CelCondition condition(String source, String at, String key) {
            try {
                return CelCondition.compile(source);
            } catch (PolicyException e) {
                throw new Invalid(at, "'" + key + "' does not compile: " + e.getMessage());
            }
        }

        private int min(JsonNode approvals, String at) {
            JsonNode min = approvals.get("min");
            if (min == null || !min.isIntegralNumber() || min.intValue() < 1 || min.intValue() > 20) {
                throw new Invalid(at + "/min", "approvals.min must be a whole number from 1 to 20");
            }
            return min.intValue();
        }

        private List<String> from(JsonNode approvals, String at) {
            List<String> groups = strings(approvals, "from", at, null, null);
            for (int i = 0; i < groups.size(); i++) {
                if (knownGroups != null && !knownGroups.contains(groups.get(i))) {
                    throw new Invalid(at + "/from/" + i, "approvals.from names unknown group '" + groups.get(i)
                            + "' (known groups: " + String.join(", ", new TreeSet<>(knownGroups)) + ")");
                }
            }
            return groups;
        }

        private Duration ttl(JsonNode value, String at) {
            Duration ttl = value.isString() ? DurationText.parse(value.stringValue()) : null;
            if (ttl == null) {
                throw new Invalid(at, "ttl must be a duration such as 90s, 15m, 1h or 2d");
            }
            if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
                throw new Invalid(at, "ttl " + value.stringValue() + " is out of range (1s to 30d)");
            }
            return ttl;
        }

        private Justification justification(JsonNode value, String at) {
            if (value.isString()) {
                for (Justification j : Justification.values()) {
                    if (j.wireName().equals(value.stringValue())) {
                        return j;
                    }
                }
            }
            throw new Invalid(at, "justification must be required or optional");
        }

        private String text(JsonNode node, String key, String at) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isString() && !value.isBoolean()) {
                throw new Invalid(at + "/" + key, "'" + key + "' must be text");
            }
            return value.asString();
        }

        private List<String> strings(JsonNode node, String key, String at, Pattern format, String expected) {
            JsonNode value = node.get(key);
            if (value == null) {
                return List.of();
            }
            if (!value.isArray()) {
                throw new Invalid(at + "/" + key, "'" + key + "' must be a list");
            }
            List<String> result = new ArrayList<>();
            int i = 0;
            for (JsonNode item : value.values()) {
                if (!item.isString() || (format != null && !format.matcher(item.stringValue()).matches())) {
                    throw new Invalid(at + "/" + key + "/" + i, key + " entry " + item
                            + (expected == null ? " must be text" : " must look like " + expected));
                }
                result.add(item.stringValue());
                i++;
            }
            return List.copyOf(result);
        }

        private void unknownKeys(JsonNode node, Set<String> allowed, String at) {
            for (String key : node.propertyNames()) {
                if (!allowed.contains(key)) {
                    throw new Invalid(at + "/" + key, "unknown key '" + key + "' (allowed: "
                            + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
        }
    }
}
