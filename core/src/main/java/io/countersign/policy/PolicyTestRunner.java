package io.countersign.policy;

import io.countersign.json.ActionRequestJson;
import io.countersign.model.ActionRequest;
import io.countersign.model.InvalidInputException;
import io.countersign.model.Principal;
import io.countersign.yaml.ConfigException;
import io.countersign.yaml.MalformedYamlException;
import io.countersign.yaml.Yaml;
import io.countersign.yaml.YamlDocument;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Runs the policy tests kept beside the policies ({@code *_test.yaml}), like {@code opa test}: each case
 * is a request, who makes it, and what policy must say. A case passes when every stated expectation holds.
 *
 * <pre>
 * tests:
 *   - name: PII exports need two approvers
 *     as: deploy-agent                      # a principal of identities.yaml; or principal: {id, kind, groups, owner}
 *     request: {action: db.export, resource: {type: t, id: x, env: prod}, intent: {summary: s, ticket: OPS-1}}
 *     expect: {effect: require_approval, rules: [prod-changes, prod-pii-export], min_approvals: 2}
 *     # stages: the number of review stages, for a rule whose approvals are a list
 * </pre>
 */
public final class PolicyTestRunner {
    private static final Set<String> TOP = Set.of("tests");
    private static final Set<String> CASE = Set.of("name", "as", "principal", "now", "request", "expect");
    private static final Set<String> EXPECT = Set.of("effect", "rules", "min_approvals", "stages", "reason", "controls");
    private static final Set<String> PRINCIPAL = Set.of("id", "kind", "groups", "owner", "email");
    private static final Instant DEFAULT_NOW = Instant.parse("2026-01-01T12:00:00Z");

    /** @param differences what did not match, one line each; empty when the case passed */
    public record Result(String file, int line, String name, List<String> differences) {
        public boolean passed() {
            return differences.isEmpty();
        }
    }

    private final Policy policy;
    private final Function<String, Optional<Principal>> principals;
    private final ResourceResolver resources;

    /** @param principals resolves {@code as:}; tests that use it fail with a clear message when it finds nobody */
    public PolicyTestRunner(Policy policy, Function<String, Optional<Principal>> principals) {
        this(policy, principals, ResourceResolver.NONE);
    }

    /**
     * @param resources what the server knows of resources (the inventory beside the policies): each case's request
     *                  is decided with those facts, as the server would decide it
     */
    public PolicyTestRunner(Policy policy, Function<String, Optional<Principal>> principals, ResourceResolver resources) {
        this.policy = policy;
        this.principals = principals;
        this.resources = resources;
    }

    /** Runs every {@code *_test.yaml} of {@code directory}, files in name order. */
    public List<Result> runDirectory(Path directory) {
        List<Result> results = new ArrayList<>();
        for (Path file : PolicyLoader.files(directory, PolicyLoader::isTestFile)) {
            results.addAll(runFile(file, directory.relativize(file).toString()));
        }
        return results;
    }

    /** @throws ConfigException when the file is not a well-formed test file (naming file, line and reason) */
    public List<Result> runFile(Path file, String name) {
        YamlDocument document;
        try {
            document = Yaml.parseWithLines(name, Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read: " + e.getMessage(), e);
        } catch (MalformedYamlException e) {
            throw new ConfigException(e.getMessage());
        }
        JsonNode root = document.root();
        if (root == null || !root.isObject() || !root.path("tests").isArray()) {
            throw new ConfigException(name + ": expected a mapping with a list 'tests'");
        }
        unknownKeys(document, root, TOP, "");
        List<Result> results = new ArrayList<>();
        int index = 0;
        for (JsonNode testCase : root.get("tests").values()) {
            results.add(run(document, testCase, "/tests/" + index++));
        }
        return results;
    }

    private Result run(YamlDocument document, JsonNode testCase, String at) {
        int line = document.line(at);
        String where = document.file() + ":" + line;
        if (!testCase.isObject()) {
            throw new ConfigException(where + ": each test must be a mapping with name, request and expect");
        }
        unknownKeys(document, testCase, CASE, at);
        String name = testCase.path("name").asString("");
        if (name.isBlank()) {
            throw new ConfigException(where + ": test needs a 'name'");
        }
        Principal principal = principal(testCase, where + ": test '" + name + "'");
        Instant now = DEFAULT_NOW;
        if (testCase.has("now")) {
            try {
                now = Instant.parse(testCase.get("now").asString());
            } catch (DateTimeParseException e) {
                throw new ConfigException(where + ": test '" + name + "': 'now' must be an instant such as 2026-11-24T10:00:00Z");
            }
        }
        ActionRequest request;
        try {
            request = ActionRequestJson.fromJson(testCase.path("request"));
        } catch (InvalidInputException e) {
            throw new ConfigException(where + ": test '" + name + "': request: " + e.getMessage());
        }
        JsonNode expect = testCase.path("expect");
        if (!expect.isObject() || !expect.has("effect")) {
            throw new ConfigException(where + ": test '" + name + "': 'expect' needs at least an 'effect'");
        }
        unknownKeys(document, expect, EXPECT, at + "/expect");
        PolicyInput input;
        try {
            input = resources.inputFor(principal, request, now);
        } catch (InvalidInputException mismatch) {
            // The server refuses such a request before policy sees it: a case may expect exactly that.
            return new Result(document.file(), line, name, compareRefusal(expect, mismatch));
        }
        Explanation explanation = policy.explain(input);
        return new Result(document.file(), line, name, compare(expect, explanation));
    }

    /** A request refused before any rule (it contradicts the inventory): only effect and reason can be expected. */
    private static List<String> compareRefusal(JsonNode expect, InvalidInputException refusal) {
        List<String> differences = new ArrayList<>();
        String wantedEffect = expect.get("effect").asString();
        if (!wantedEffect.equals("refused")) {
            differences.add("effect: expected " + wantedEffect + ", got refused (" + refusal.code() + ": " + refusal.getMessage() + ")");
        }
        if (expect.has("reason") && !refusal.getMessage().contains(expect.get("reason").asString())) {
            differences.add("reason: expected text containing \"" + expect.get("reason").asString() + "\", got \"" + refusal.getMessage() + "\"");
        }
        if (expect.has("rules") && !expect.get("rules").isEmpty()) {
            differences.add("rules: expected " + strings(expect.get("rules")) + ", got none (refused before policy: " + refusal.getMessage() + ")");
        }
        return differences;
    }

    private static List<String> compare(JsonNode expect, Explanation explanation) {
        List<String> differences = new ArrayList<>();
        Decision decision = explanation.decision();
        String effect = decision == null ? "refused" : decision.effect();
        String wantedEffect = expect.get("effect").asString();
        if (!wantedEffect.equals(effect)) {
            String detail = decision == null ? " (rule " + explanation.refusal().rule() + ": " + explanation.refusal().getMessage() + ")" : "";
            differences.add("effect: expected " + wantedEffect + ", got " + effect + detail);
        }
        List<String> matched = explanation.rules().stream().filter(Explanation.RuleTrace::matched).map(Explanation.RuleTrace::id).toList();
        if (expect.has("rules")) {
            List<String> wanted = strings(expect.get("rules"));
            if (!new HashSet<>(wanted).equals(new HashSet<>(matched))) {
                Set<String> missing = new TreeSet<>(wanted);
                missing.removeAll(matched);
                Set<String> unexpected = new TreeSet<>(matched);
                wanted.forEach(unexpected::remove);
                differences.add("rules: expected " + wanted + ", got " + matched
                        + (missing.isEmpty() ? "" : "; did not match: " + missing + whyNot(explanation, missing))
                        + (unexpected.isEmpty() ? "" : "; also matched: " + unexpected));
            }
        }
        if (expect.has("controls")) {
            List<String> wanted = strings(expect.get("controls"));
            List<String> got = decision == null ? List.of() : decision.controls();
            if (!new HashSet<>(wanted).equals(new HashSet<>(got))) {
                differences.add("controls: expected " + wanted + ", got " + got);
            }
        }
        if (expect.has("min_approvals")) {
            int wanted = expect.get("min_approvals").asInt();
            Integer got = decision instanceof RequireApproval r ? r.quorum().largestMin() : null;
            if (got == null || got != wanted) {
                differences.add("min_approvals: expected " + wanted + ", got " + (got == null ? "none (" + effect + ")" : got));
            }
        }
        if (expect.has("stages")) {
            int wanted = expect.get("stages").asInt();
            Integer got = decision instanceof RequireApproval r ? r.quorum().stages() : null;
            if (got == null || got != wanted) {
                differences.add("stages: expected " + wanted + ", got " + (got == null ? "none (" + effect + ")" : got)
                        + (decision instanceof RequireApproval r ? " (" + r.quorum().describe() + ")" : ""));
            }
        }
        if (expect.has("reason")) {
            String wanted = expect.get("reason").asString();
            String got = decision instanceof Deny d ? d.reason()
                    : explanation.refusal() != null ? explanation.refusal().getMessage() : null;
            if (got == null || !got.contains(wanted)) {
                differences.add("reason: expected text containing \"" + wanted + "\", got " + (got == null ? "none" : "\"" + got + "\""));
            }
        }
        return differences;
    }

    private static String whyNot(Explanation explanation, Set<String> rules) {
        List<String> reasons = explanation.rules().stream()
                .filter(t -> rules.contains(t.id()) && t.why() != null)
                .map(t -> t.id() + ": " + t.why()).toList();
        return reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")";
    }

    private Principal principal(JsonNode testCase, String where) {
        if (testCase.has("as") == testCase.has("principal")) {
            throw new ConfigException(where + ": say who asks with either 'as' (a principal id) or 'principal' (a mapping)");
        }
        if (testCase.has("as")) {
            String id = testCase.get("as").asString();
            return principals.apply(id).orElseThrow(() -> new ConfigException(where + ": 'as' names no known principal '" + id
                    + "' (principals come from identities.yaml; or write principal: {id, kind, groups})"));
        }
        JsonNode node = testCase.get("principal");
        if (!node.isObject() || !node.path("id").isString()) {
            throw new ConfigException(where + ": 'principal' must be a mapping with at least an id");
        }
        for (String key : node.propertyNames()) {
            if (!PRINCIPAL.contains(key)) {
                throw new ConfigException(where + ": principal: unknown key '" + key + "' (allowed: " + String.join(", ", new TreeSet<>(PRINCIPAL)) + ")");
            }
        }
        Principal.Kind kind;
        try {
            kind = Principal.Kind.valueOf(node.path("kind").asString("agent").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": principal.kind must be agent, human or service");
        }
        return new Principal(node.get("id").asString(), kind, null, node.path("email").asString(null),
                Set.copyOf(strings(node.path("groups"))), node.path("owner").asString(null));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.values().forEach(v -> values.add(v.asString()));
        return values;
    }

    private static void unknownKeys(YamlDocument document, JsonNode node, Set<String> allowed, String at) {
        for (String key : node.propertyNames()) {
            if (!allowed.contains(key)) {
                throw new ConfigException(document.file() + ":" + document.line(at + "/" + key) + ": unknown key '" + key
                        + "' (allowed: " + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
        }
    }
}
