package io.countersign.server;

import static io.countersign.server.TestServer.piiExport;
import static io.countersign.server.TestServer.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.TestServer.Answer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Hot reload, the dry-run evaluation and the evidence report, against a real node whose files are edited. */
class PolicyApiTest {
    private static final String RELOADABLE = TestServer.TEST_POLICY + """
              - id: restarts
                when: action == "service.restart"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                controls: ["soc2:CC8.1"]
              - id: relaxable
                when: action == "test.relax"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
            """;

    @TempDir
    Path config;

    TestServer server;

    @BeforeEach
    void start() throws IOException {
        server = TestServer.start(config);
        writeTestPolicy(RELOADABLE);
        server.restart();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void writeTestPolicy(String yaml) throws IOException {
        // Write beside, then move into place: what deploy tools do, and what the watcher must handle.
        Path staged = config.resolve("test-rules.yaml.new");
        Files.writeString(staged, yaml);
        Files.move(staged, config.resolve("policies/test-rules.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private String version() {
        return server.get(null, "/healthz").body().path("policy_version").asString();
    }

    /** Polls the policy history until an entry satisfies {@code wanted}; the watcher acts within a second or so. */
    private JsonNode awaitHistory(Predicate<JsonNode> wanted) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            for (JsonNode entry : server.get("alice", "/v1/policy").body().path("history").values()) {
                if (wanted.test(entry)) {
                    return entry;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the policy history never showed the expected entry");
    }

    @Test
    void editedFilesChangeDecisionsAndPendingRequests() throws Exception {
        String before = version();
        String raced = server.post("agent", "/v1/actions", request("test.race", "prod", "")).id();
        String restart = server.post("agent", "/v1/actions", request("service.restart", "prod", "")).id();
        String relax = server.post("agent", "/v1/actions", request("test.relax", "dev", "")).id();
        String untouched = server.post("agent", "/v1/actions", request("test.short", "prod", "")).id();

        writeTestPolicy(RELOADABLE.replace("""
                  - id: any-reviewer
                    when: action == "test.race"
                    effect: require_approval
                    approvals: {min: 1, from: [sre, data-owners]}
                    ttl: 10m
                """, """
                  - id: race-frozen
                    when: action == "test.race"
                    effect: deny
                    reason: test.race is frozen
                """).replace("approvals: {min: 1, from: [sre]}\n    controls", "approvals: {min: 2, from: [sre, data-owners]}\n    controls")
                .replace("""
                  - id: relaxable
                    when: action == "test.relax"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                """, """
                  - id: relaxable
                    when: action == "test.relax"
                    effect: allow
                    relax_pending: approve
                """));
        JsonNode loaded = awaitHistory(e -> e.path("type").asString().equals("policy.loaded")
                && e.path("previous_version").asString().equals(before));
        assertThat(loaded.path("trigger").asString()).contains("test-rules.yaml");
        assertThat(version()).isEqualTo(loaded.path("version").asString()).isNotEqualTo(before);

        // New decisions follow the new policy at once.
        Answer denied = server.post("agent", "/v1/actions", request("test.race", "staging-like", ""));
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body().path("error").path("message").asString()).isEqualTo("test.race is frozen");

        // Now denied: denied, saying why.
        JsonNode racedNow = server.get("agent", "/v1/actions/" + raced).body();
        assertThat(racedNow.path("status").asString()).as(racedNow.toString()).isEqualTo("denied");
        assertThat(racedNow.path("decision").path("reason").asString()).as(racedNow.toString()).isEqualTo("policy changed: test.race is frozen");

        // Now stricter: one SRE no longer suffices.
        assertThat(server.get("agent", "/v1/actions/" + restart).body().path("decision").path("quorum")
                .path("requirements").values()).extracting(r -> r.path("min").asInt()).contains(2);
        assertThat(server.review("alice", restart, "approve", "ok").body().path("status").asString()).isEqualTo("pending");
        assertThat(server.review("bob", restart, "approve", "ok").body().path("status").asString()).isEqualTo("approved");

        // Now allowed, and the rule says relax_pending: approve.
        assertThat(server.get("agent", "/v1/actions/" + relax).body().path("status").asString()).isEqualTo("approved");

        // A rule that did not change leaves its requests as they were.
        JsonNode same = server.get("agent", "/v1/actions/" + untouched).body();
        assertThat(same.path("status").asString()).isIn("pending", "expired");
        assertThat(same.path("decision").path("policy_version").asString()).isEqualTo(before);
    }

    @Test
    void brokenEditIsRejectedAndTheOldPolicyStays() throws Exception {
        String before = version();
        String pending = server.post("agent", "/v1/actions", request("test.race", "prod", "")).id();
        writeTestPolicy(RELOADABLE.replace("when: action == \"test.race\"", "when: action == 7"));
        JsonNode rejected = awaitHistory(e -> e.path("type").asString().equals("policy.rejected"));
        assertThat(rejected.path("problems").get(0).asString())
                .startsWith("test-rules.yaml:").contains("rule 'any-reviewer'").contains("does not compile");
        assertThat(rejected.path("active_version").asString()).isEqualTo(before);
        assertThat(version()).isEqualTo(before);
        assertThat(server.post("agent", "/v1/actions", request("test.race", "qa", "")).status()).isEqualTo(202);
        assertThat(server.get("agent", "/v1/actions/" + pending).body().path("status").asString()).isEqualTo("pending");

        // Fixing the file activates the fix.
        writeTestPolicy(RELOADABLE + "  - {id: extra, when: 'false', effect: allow}\n");
        awaitHistory(e -> e.path("type").asString().equals("policy.loaded") && e.path("previous_version").asString().equals(before));
    }

    @Test
    void aPolicyThatFailsValidationRefusesStartUp() throws IOException {
        server.close();
        writeTestPolicy("version: 1\nrules:\n  - {id: broken, when: 'actoin == 1', effect: allow}\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(server::restart)
                .hasMessageContaining("test-rules.yaml:3: rule 'broken'");
        writeTestPolicy(RELOADABLE);
        server.restart();
    }

    @Test
    void evaluateIsADryRunThatExplains() {
        Answer refused = server.post("agent", "/v1/policy/evaluate", piiExport(null));
        assertThat(refused.status()).isEqualTo(200);
        assertThat(refused.body().path("effect").asString()).isEqualTo("refused");
        assertThat(refused.body().path("refused").path("rule").asString()).isEqualTo("prod-pii-export");

        Answer held = server.post("agent", "/v1/policy/evaluate", piiExport("OPS-1"));
        assertThat(held.body().path("effect").asString()).isEqualTo("require_approval");
        assertThat(held.body().path("decision").path("rules").values()).extracting(JsonNode::asString)
                .containsExactly("prod-changes", "prod-pii-export");
        JsonNode reads = held.body().path("rules").values().stream()
                .filter(r -> r.path("id").asString().equals("reads-allowed")).findFirst().orElseThrow();
        assertThat(reads.path("matched").asBoolean()).isFalse();
        assertThat(reads.path("why").asString()).contains("is false");
        assertThat(reads.path("file").asString()).isEqualTo("default.yaml");
        assertThat(reads.path("line").asInt()).isPositive();

        // Nothing was stored.
        assertThat(server.get("agent", "/v1/actions").ids()).isEmpty();

        // Humans may ask what an agent would get; agents may not pose as others.
        assertThat(server.post("alice", "/v1/policy/evaluate?as=deploy-agent", piiExport("OPS-1")).body()
                .path("principal").asString()).isEqualTo("deploy-agent");
        assertThat(server.post("agent", "/v1/policy/evaluate?as=alice", piiExport("OPS-1")).status()).isEqualTo(403);
        Answer unknown = server.post("alice", "/v1/policy/evaluate?as=nobody", piiExport("OPS-1"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("error").path("field").asString()).isEqualTo("as");
        Answer bad = server.post("agent", "/v1/policy/evaluate", "{\"action\": \"x\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("error").path("field").asString()).isEqualTo("resource");
    }

    @Test
    void policyIsShownToHumansOnly() {
        assertThat(server.get("agent", "/v1/policy").status()).isEqualTo(403);
        assertThat(server.get(null, "/v1/policy").status()).isEqualTo(401);
        JsonNode policy = server.get("alice", "/v1/policy").body();
        assertThat(policy.path("version").asString()).isEqualTo(version());
        JsonNode pii = policy.path("rules").values().stream()
                .filter(r -> r.path("id").asString().equals("prod-pii-export")).findFirst().orElseThrow();
        assertThat(pii.path("approvals").path("min").asInt()).isEqualTo(2);
        assertThat(pii.path("controls").values()).extracting(JsonNode::asString).contains("nist-800-53:AC-3(2)");
        assertThat(policy.path("history").get(0).path("type").asString()).isEqualTo("policy.loaded");
    }

    @Test
    void controlReportCountsThePeriodPerControl() {
        String approved = server.post("agent", "/v1/actions", request("service.restart", "prod", "")).id();
        server.review("alice", approved, "approve", "ok");
        String rejected = server.post("agent", "/v1/actions", request("service.restart", "prod", ",\"payload\": {\"n\": 2}")).id();
        server.review("alice", rejected, "deny", "not now");
        server.post("agent", "/v1/actions", request("db.read", "prod", ""));
        String today = LocalDate.now(ZoneOffset.UTC).toString();

        Answer report = server.get("alice", "/v1/reports/controls?from=" + today + "&to=" + today);
        assertThat(report.status()).isEqualTo(200);
        JsonNode cc81 = row(report.body(), "soc2:CC8.1");
        assertThat(cc81.path("requests").asInt()).isEqualTo(2);
        assertThat(cc81.path("approved").asInt()).isEqualTo(1);
        assertThat(cc81.path("rejected").asInt()).isEqualTo(1);
        assertThat(cc81.path("approvals").asInt()).isEqualTo(1);
        assertThat(cc81.path("rejections").asInt()).isEqualTo(1);
        assertThat(row(report.body(), "soc2:CC6.1").path("allowed").asInt()).isEqualTo(1);
        // A mapped control with no activity is listed, with zeros: evidence of absence.
        assertThat(row(report.body(), "nist-800-53:AC-6").path("requests").asInt()).isZero();

        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        assertThat(row(server.get("alice", "/v1/reports/controls?from=" + yesterday + "&to=" + yesterday).body(), "soc2:CC8.1")
                .path("requests").asInt()).isZero();
        Answer bad = server.get("alice", "/v1/reports/controls?from=last-week");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().path("error").path("field").asString()).isEqualTo("from");
        assertThat(server.get("agent", "/v1/reports/controls").status()).isEqualTo(403);
    }

    private static JsonNode row(JsonNode report, String control) {
        return report.path("controls").values().stream().filter(r -> r.path("control").asString().equals(control))
                .findFirst().orElseThrow(() -> new AssertionError(control + " not in " + report));
    }
}
