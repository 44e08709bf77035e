package io.countersign.policy;

import static io.countersign.testing.Fixtures.AGENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.json.Json;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.Resource;
import io.countersign.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTest {
    private static final Set<String> GROUPS = Set.of("sre", "data-owners");
    private static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");

    @TempDir
    Path dir;

    private Policy load(String yaml) throws IOException {
        Files.writeString(dir.resolve("policy.yaml"), yaml);
        return new PolicyLoader(GROUPS).load(dir);
    }

    private static Decision decide(Policy policy, ActionRequest request) {
        return policy.evaluate(new PolicyInput(AGENT, request, NOW));
    }

    private static ActionRequest request(String action, String env, String payloadJson) {
        return new ActionRequest(action, new Resource("t", "r", env, Map.of()), new Intent("why", null, null),
                Json.parse(payloadJson), null, null);
    }

    @Test
    void mostRestrictiveMatchWins() throws IOException {
        Policy policy = load("""
                version: 1
                default: allow
                rules:
                  - {id: all-allowed, when: "true", effect: allow}
                  - {id: prod-held, when: 'resource.env == "prod"', effect: require_approval}
                  - {id: drop-denied, when: 'action == "db.drop"', effect: deny, reason: never drop}
                """);
        assertThat(decide(policy, request("db.read", "staging", "{}"))).isInstanceOf(Allow.class);
        assertThat(decide(policy, request("db.read", "prod", "{}"))).isInstanceOfSatisfying(RequireApproval.class,
                r -> assertThat(r.rules()).containsExactly("all-allowed", "prod-held"));
        assertThat(decide(policy, request("db.drop", "prod", "{}"))).isInstanceOfSatisfying(Deny.class, d -> {
            assertThat(d.reason()).isEqualTo("never drop");
            assertThat(d.rules()).containsExactly("all-allowed", "prod-held", "drop-denied");
        });
    }

    @Test
    void strictestObligationsCombine() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: a, when: "true", effect: require_approval, approvals: {min: 1, from: [sre]}, ttl: 1h, notify: ["slack:C1"]}
                  - {id: b, when: "true", effect: require_approval, approvals: {min: 2, from: [data-owners]}, ttl: 10m,
                     justification: required, notify: ["teams:ops"], controls: ["soc2:CC8.1"]}
                """);
        RequireApproval decision = (RequireApproval) decide(policy, request("x", "prod", "{}"));
        assertThat(decision.ttl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(decision.justification()).isEqualTo(Justification.REQUIRED);
        assertThat(decision.quorum().requirements()).extracting(ApprovalRequirement::min).containsExactly(1, 2);
        assertThat(decision.channels()).containsExactly("slack:C1", "teams:ops");
        assertThat(decision.controls()).containsExactly("soc2:CC8.1");
    }

    @Test
    void theShortestGrantTtlOfTheMatchedRulesApplies() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: reads, when: "true", effect: allow, grant_ttl: 2m}
                  - {id: quick, when: "resource.env == 'prod'", effect: allow, grant_ttl: 30s}
                  - {id: plain, when: "resource.env == 'dev'", effect: allow}
                """);
        assertThat(decide(policy, request("x", "prod", "{}")).grantTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(decide(policy, request("x", "dev", "{}")).grantTtl()).isEqualTo(Duration.ofMinutes(2));
        Decision decision = decide(policy, request("x", "dev", "{}"));
        assertThat(io.countersign.policy.DecisionJson.fromJson(io.countersign.policy.DecisionJson.toJson(decision))).isEqualTo(decision);
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: g, when: 'true', effect: allow, grant_ttl: 2h}\n"))
                .hasMessageContaining("grant_ttl must be a duration from 10s to 1h");
    }

    @Test
    void defaultAppliesWhenNothingMatchesAndIsNeverAllowByOmission() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: never, when: "false", effect: allow}
                """);
        assertThat(policy.defaultEffect()).isEqualTo(Effect.REQUIRE_APPROVAL);
        assertThat(decide(policy, request("x", null, "{}"))).isInstanceOfSatisfying(RequireApproval.class,
                r -> assertThat(r.rules()).isEmpty());
    }

    @Test
    void conditionThatFailsAtRuntimeFailsClosed() throws IOException {
        Policy policy = load("""
                version: 1
                default: allow
                rules:
                  - {id: allow-small, when: "payload.rows < 10", effect: allow}
                  - {id: deny-admin, when: 'payload.role == "admin"', effect: deny}
                """);
        // payload has neither 'rows' nor 'role': the allow rule does not match, the deny rule does.
        assertThat(decide(policy, request("x", null, "{\"other\": 1}"))).isInstanceOf(Deny.class);
        assertThat(decide(policy, request("x", null, "{\"rows\": 3, \"role\": \"reader\"}"))).isInstanceOf(Allow.class);
    }

    @Test
    void unmetRequirementRefusesTheRequest() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: ticketed, when: "true", effect: require_approval, require: "has(intent.ticket)", require_message: a ticket is needed}
                """);
        assertThatThrownBy(() -> decide(policy, request("x", null, "{}")))
                .isInstanceOfSatisfying(RequirementNotMet.class, e -> {
                    assertThat(e.rule()).isEqualTo("ticketed");
                    assertThat(e.getMessage()).isEqualTo("a ticket is needed");
                });
        assertThat(decide(policy, Fixtures.export("prod", Map.of(), "OPS-1"))).isInstanceOf(RequireApproval.class);
    }

    @Test
    void policyVersionIsTheContentHash() throws IOException {
        Policy first = load("version: 1\nrules: []\n");
        Policy same = new PolicyLoader(GROUPS).load(dir);
        Policy changed = load("version: 1\ndefault: deny\nrules: []\n");
        assertThat(first.version()).isEqualTo(same.version());
        assertThat(changed.version()).isNotEqualTo(first.version());
        assertThat(first.version().value()).startsWith("sha256:").hasSize(71);
    }

    @Test
    void typeErrorsAreRejectedAtLoadWithFileRuleAndReason() {
        assertThatThrownBy(() -> load("""
                version: 1
                rules:
                  - {id: typo, when: 'actoin == "x"', effect: allow}
                """)).isInstanceOf(PolicyException.class)
                .hasMessageContaining("policy.yaml:3: rule 'typo': 'when' does not compile")
                .hasMessageContaining("undeclared reference to 'actoin'");
        assertThatThrownBy(() -> load("""
                version: 1
                rules:
                  - {id: wrong-type, when: 'action == 1', effect: allow}
                """)).hasMessageContaining("rule 'wrong-type'").hasMessageContaining("no matching overload");
        assertThatThrownBy(() -> load("""
                version: 1
                rules:
                  - {id: not-bool, when: 'action', effect: allow}
                """)).hasMessageContaining("rule 'not-bool'");
    }

    @Test
    void structuralErrorsAreRejected() {
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: a, when: 'true', effect: allow}\n  - {id: a, when: 'true', effect: deny}\n"))
                .hasMessageContaining("rule 'a': duplicate rule id");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: g, when: 'true', effect: require_approval, approvals: {min: 1, from: [nobody]}}\n"))
                .hasMessageContaining("unknown group 'nobody'");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: t, when: 'true', effect: require_approval, ttl: 90d}\n"))
                .hasMessageContaining("ttl 90d is out of range");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: t, when: 'true', effect: maybe}\n"))
                .hasMessageContaining("'effect' must be one of");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: t, when: 'true', effect: allow, efect: deny}\n"))
                .hasMessageContaining("unknown key 'efect'");
        assertThatThrownBy(() -> load("version: 2\nrules: []\n")).hasMessageContaining("'version' must be 1");
        assertThatThrownBy(() -> load("version: 1\nrules: [\n")).hasMessageContaining("policy.yaml:").hasMessageContaining("malformed YAML");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: c, when: 'true', effect: allow, controls: [soc2:CC9.9]}\n"))
                .hasMessageContaining("rule 'c': unknown control 'soc2:CC9.9'");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: r, when: 'true', effect: allow, relax_pending: always}\n"))
                .hasMessageContaining("relax_pending must be keep (the default) or approve");
        assertThatThrownBy(() -> load("version: 1\nrules:\n  - {id: m, when: 'true', effect: require_approval, approvals: {min: 0}}\n"))
                .hasMessageContaining("approvals.min must be a whole number from 1 to 20");
    }

    @Test
    void everyProblemIsReportedWithFileLineAndRule() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), """
                version: 1
                rules:
                  - id: fine
                    when: 'true'
                    effect: allow
                  - id: typo
                    when: 'resourse.env == "prod"'
                    effect: deny
                  - id: bad-ttl
                    when: 'true'
                    effect: require_approval
                    ttl: 45d
                """);
        Files.writeString(dir.resolve("b.yaml"), """
                version: 1
                rules:
                  - id: fine
                    when: 'true'
                    effect: allow
                  - id: controls
                    when: 'true'
                    effect: allow
                    controls: [soc2:CC8.1, nist-800-53:XX-1]
                """);
        assertThatThrownBy(() -> new PolicyLoader(GROUPS).load(dir)).isInstanceOfSatisfying(PolicyException.class, e ->
                assertThat(e.problems()).extracting(PolicyProblem::file, PolicyProblem::line, PolicyProblem::rule).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a.yaml", 7, "typo"),
                        org.assertj.core.groups.Tuple.tuple("a.yaml", 12, "bad-ttl"),
                        org.assertj.core.groups.Tuple.tuple("b.yaml", 9, "controls"),
                        org.assertj.core.groups.Tuple.tuple("b.yaml", 3, "fine")));
    }

    @Test
    void explanationSaysWhichRulesMatchedAndWhyOthersDidNot() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: prod-export, when: 'action == "db.export" && resource.env == "prod"', effect: require_approval,
                     require: "has(intent.ticket)"}
                  - {id: staging, when: 'resource.env == "staging"', effect: allow}
                  - {id: admin, when: 'payload.role == "admin"', effect: deny}
                """);
        Explanation explanation = policy.explain(new PolicyInput(AGENT, request("db.export", "staging", "{}"), NOW));
        assertThat(explanation.decision()).isInstanceOf(Deny.class); // admin fails closed: payload has no role
        assertThat(explanation.rules()).extracting(Explanation.RuleTrace::id, Explanation.RuleTrace::matched).containsExactly(
                org.assertj.core.groups.Tuple.tuple("prod-export", false),
                org.assertj.core.groups.Tuple.tuple("staging", true),
                org.assertj.core.groups.Tuple.tuple("admin", true));
        assertThat(explanation.rules().get(0).why()).isEqualTo("resource.env == \"prod\" is false");
        assertThat(explanation.rules().get(0).line()).isEqualTo(3);
        assertThat(explanation.rules().get(2).why()).contains("could not be evaluated").contains("fails closed");

        Explanation refused = policy.explain(new PolicyInput(AGENT, request("db.export", "prod", "{\"role\": \"x\"}"), NOW));
        assertThat(refused.decision()).isNull();
        assertThat(refused.refusal().rule()).isEqualTo("prod-export");
        assertThat(refused.rules().get(0).requirement()).isFalse();
    }

    @Test
    void relaxPendingFollowsTheDecidingRules() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - {id: reads, when: 'action == "db.read"', effect: allow, relax_pending: approve}
                  - {id: writes, when: 'action == "db.write"', effect: allow}
                  - {id: one, when: 'resource.env == "prod"', effect: require_approval, relax_pending: approve}
                  - {id: two, when: 'resource.env == "prod" && action == "db.drop"', effect: require_approval}
                """);
        assertThat(policy.relaxesPending(decide(policy, request("db.read", "dev", "{}")))).isTrue();
        assertThat(policy.relaxesPending(decide(policy, request("db.write", "dev", "{}")))).isFalse();
        assertThat(policy.relaxesPending(decide(policy, request("db.alter", "prod", "{}")))).isTrue();
        assertThat(policy.relaxesPending(decide(policy, request("db.drop", "prod", "{}")))).isFalse();
        assertThat(policy.relaxesPending(decide(policy, request("db.other", "dev", "{}")))).isFalse(); // the default decided
    }

    @Test
    void tighteningKeepsEveryRequirementAndTheStricterTerms() {
        var version = new PolicyVersion("sha256:new");
        RequireApproval held = new RequireApproval(List.of("a"), List.of(), new Quorum(List.of(
                new ApprovalRequirement("a", 1, Set.of("sre"))), false), Duration.ofHours(1), Justification.OPTIONAL, List.of(), version);
        RequireApproval stricter = new RequireApproval(List.of("a", "b"), List.of("soc2:CC8.1"), new Quorum(List.of(
                new ApprovalRequirement("a", 2, Set.of("sre")), new ApprovalRequirement("b", 1, Set.of("data-owners"))), true),
                Duration.ofMinutes(10), Justification.REQUIRED, List.of(), version);
        RequireApproval merged = held.tightenedBy(stricter);
        assertThat(merged.quorum().requirements()).containsExactlyInAnyOrder(
                new ApprovalRequirement("a", 2, Set.of("sre")), new ApprovalRequirement("b", 1, Set.of("data-owners")));
        assertThat(merged.ttl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(merged.justification()).isEqualTo(Justification.REQUIRED);
        assertThat(merged.quorum().anyDenyEnds()).isTrue();
        assertThat(merged.sameObligations(held)).isFalse();
        // Tightening by something looser changes nothing.
        assertThat(stricter.tightenedBy(held).sameObligations(stricter)).isTrue();
    }

    @Test
    void yamlOneTwoKeepsNorwayAString() throws IOException {
        Policy policy = load("""
                version: 1
                default: deny
                rules:
                  - {id: norway, when: 'resource.env == "NO"', effect: allow}
                """);
        assertThat(decide(policy, request("x", "NO", "{}"))).isInstanceOf(Allow.class);
    }

    @Test
    void rulesThatCannotMatchTheActionAreSkippedWithTheSameResult() throws IOException {
        Policy policy = load("""
                version: 1
                default: allow
                rules:
                  - {id: exact, when: 'action == "db.drop" && payload.missing == 1', effect: deny}
                  - {id: prefix-or-suffix, when: 'action.startsWith("iam.") || action.endsWith(".admin")', effect: require_approval}
                  - {id: unguarded, when: 'action == "x" || payload.missing == 1', effect: deny}
                """);
        // A false guard makes the whole condition false in CEL, even beside an error: skipping changes nothing.
        assertThat(decide(policy, request("db.read", null, "{\"missing\": 2}"))).isInstanceOf(Allow.class);
        assertThat(decide(policy, request("db.drop", null, "{\"missing\": 1}"))).isInstanceOf(Deny.class);
        assertThat(decide(policy, request("iam.attach", null, "{\"missing\": 2}"))).isInstanceOf(RequireApproval.class);
        assertThat(decide(policy, request("user.admin", null, "{\"missing\": 2}"))).isInstanceOf(RequireApproval.class);
        // Unindexable rules are still evaluated, and still fail closed.
        assertThat(decide(policy, request("db.read", null, "{}"))).isInstanceOf(Deny.class);
        Rule exact = policy.rules().get(0);
        assertThat(exact.when().mayHoldFor("db.read")).isFalse();
        assertThat(exact.when().mayHoldFor("db.drop")).isTrue();
        assertThat(policy.rules().get(2).when().mayHoldFor("anything")).isTrue();
    }

    @Test
    void approvalsAsAListAreStagesWithAlternativesAndCombineStageByStage() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - id: staged
                    when: 'resource.env == "prod"'
                    effect: require_approval
                    approvals:
                      - {min: 1, from: [data-owners]}
                      - any_of: [{min: 1, from: [sre]}, {min: 2, from: [data-owners]}]
                        all_of: [{min: 1}]
                  - id: plain
                    when: 'action == "db.drop"'
                    effect: require_approval
                    approvals: {min: 2, from: [sre]}
                """);
        RequireApproval staged = (RequireApproval) decide(policy, request("db.read", "prod", "{}"));
        assertThat(staged.quorum().stages()).isEqualTo(2);
        assertThat(staged.quorum().describe()).isEqualTo("stage 1: 1 approval(s) from data-owners (rule staged); then stage 2: "
                + "1 approval(s) from any human (rule staged) and one of (1 approval(s) from sre (rule staged), or 2 approval(s) from data-owners (rule staged))");
        RequireApproval both = (RequireApproval) decide(policy, request("db.drop", "prod", "{}"));
        assertThat(both.quorum().requirements()).filteredOn(r -> r.stage() == 0).extracting(ApprovalRequirement::rule)
                .containsExactlyInAnyOrder("staged", "plain");
    }

    @Test
    void stagesThatCannotBeAreRefusedNamingWhere() {
        for (String[] broken : new String[][] {
                {"approvals: []", "approvals as a list is the review's stages, in order: from 1 to 5"},
                {"approvals: [{min: 1, from: [sre]}, {any_of: [{min: 1, from: [sre]}]}]", "any_of lists at least two alternatives"},
                {"approvals: [{min: 1, from: [nobody]}]", "approvals.from names unknown group 'nobody'"},
                {"approvals: [{min: 1, form: [sre]}]", "unknown key 'form'"}}) {
            assertRuleRefused(broken[0], broken[1]);
        }
    }

    @Test
    void requestTimeKnowsTimeZonesForFreezesAndBusinessHours() throws IOException {
        Policy policy = load("""
                version: 1
                default: allow
                rules:
                  - id: out-of-hours
                    when: 'request.time.getDayOfWeek("Europe/Berlin") in [0, 6] || request.time.getHours("Europe/Berlin") < 9 || request.time.getHours("Europe/Berlin") >= 18'
                    effect: deny
                    reason: business hours only
                  - id: freeze
                    when: 'request.time >= timestamp("2026-12-22T00:00:00Z") && request.time < timestamp("2027-01-04T00:00:00Z")'
                    effect: deny
                    reason: frozen
                """);
        ActionRequest change = request("db.migrate", "prod", "{}");
        // Tuesday 2026-12-08 09:30 UTC is 10:30 in Berlin; 17:30 UTC is 18:30 there; Saturday the 12th is a weekend.
        assertThat(policy.evaluate(new PolicyInput(AGENT, change, Instant.parse("2026-12-08T09:30:00Z")))).isInstanceOf(Allow.class);
        assertThat(policy.evaluate(new PolicyInput(AGENT, change, Instant.parse("2026-12-08T17:30:00Z"))))
                .isInstanceOfSatisfying(Deny.class, d -> assertThat(d.rule()).isEqualTo("out-of-hours"));
        assertThat(policy.evaluate(new PolicyInput(AGENT, change, Instant.parse("2026-12-12T10:00:00Z"))))
                .isInstanceOfSatisfying(Deny.class, d -> assertThat(d.rule()).isEqualTo("out-of-hours"));
        assertThat(policy.evaluate(new PolicyInput(AGENT, change, Instant.parse("2026-12-22T10:00:00Z"))))
                .isInstanceOfSatisfying(Deny.class, d -> assertThat(d.rule()).isEqualTo("freeze"));
    }

    @Test
    void remindersAndEscalationAreReadCombinedAndRefusedWhenHalfSaid() throws IOException {
        Policy policy = load("""
                version: 1
                rules:
                  - id: slow
                    when: 'resource.env == "prod"'
                    effect: require_approval
                    approvals: {min: 1, from: [data-owners]}
                    remind_after: 30m
                    escalate_after: 2h
                    escalate_to: [sre]
                  - id: faster
                    when: 'action == "db.drop"'
                    effect: require_approval
                    remind_after: 10m
                  - id: told
                    when: 'action == "db.told"'
                    effect: require_approval
                    notify_requester: true
                """);
        RequireApproval told = (RequireApproval) decide(policy, request("db.told", "staging", "{}"));
        assertThat(told.nudges().notifyRequester()).isTrue();
        assertThat(told.nudges().remindAfter()).isNull();
        assertThat(DecisionJson.fromJson(DecisionJson.toJson(told))).isEqualTo(told);
        RequireApproval both = (RequireApproval) decide(policy, request("db.drop", "prod", "{}"));
        assertThat(both.nudges().remindAfter()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(both.nudges().escalateAfter()).isEqualTo(java.time.Duration.ofHours(2));
        assertThat(both.nudges().escalateTo()).containsExactly("sre");
        assertThat(((RequireApproval) decide(policy, request("db.read", "staging", "{}"))).nudges()).isNull();
        for (String[] broken : new String[][] {
                {"escalate_after: 1h", "escalate_after and escalate_to go together"},
                {"escalate_after: 1h\n    escalate_to: [nobody]", "escalate_to names unknown group 'nobody'"},
                {"remind_after: 10s", "a duration from 1m to 7d"},
                {"notify_requester: yes", "notify_requester must be true or false"}}) {
            assertRuleRefused(broken[0], broken[1]);
        }
    }

    /** A require_approval rule with {@code extra} added does not load, and the error says {@code message}. */
    private void assertRuleRefused(String extra, String message) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> load("""
                version: 1
                rules:
                  - id: r
                    when: "true"
                    effect: require_approval
                    %s
                """.formatted(extra))).as(extra).hasMessageContaining(message);
    }
}
