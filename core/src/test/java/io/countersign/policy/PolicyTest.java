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
                .hasMessageContaining("policy.yaml: rule 'typo': 'when' does not compile")
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
}
