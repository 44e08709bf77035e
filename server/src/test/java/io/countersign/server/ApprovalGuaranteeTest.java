package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.sdk.ActionNotAllowedException;
import io.countersign.sdk.Countersign;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Countersign's one promise, tried as an attacker would: exactly what was approved runs, once, by its
 * requester, while the approval stands. Each test here failed on the code before the change that made it pass.
 */
class ApprovalGuaranteeTest {
    /** A production change held for one SRE, whose approval stands two seconds. */
    private static final String LAPSING = """
            version: 1
            rules:
              - id: lapsing
                when: action == "test.lapse"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                approval_ttl: 2s
            """;

    @TempDir
    Path config;

    TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(config, 0);
        Files.writeString(config.resolve("policies/lapsing.yaml"), LAPSING);
        server.node().reloadPolicy("test");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private List<String> auditTypes(String id) {
        return server.auditEntries(id).stream().map(e -> e.path("type").asString()).toList();
    }

    @Test
    void anApprovalLapsesUnrunAndNothingFoldsIntoItOrRunsOnItAfterwards() throws Exception {
        String request = TestServer.request("test.lapse", "prod", "");
        TestServer.Answer held = server.post("agent", "/v1/actions", request);
        assertThat(held.status()).isEqualTo(202);
        Instant before = Instant.now();
        TestServer.Answer approved = server.review("alice", held.id(), "approve", "go");
        assertThat(approved.body().path("status").asString()).isEqualTo("approved");
        Instant lapse = Instant.parse(approved.body().path("approval_expires_at").asString());
        assertThat(Duration.between(before, lapse)).isBetween(Duration.ofMillis(1500), Duration.ofMillis(2500));

        // Within the window: the identical request is answered by the approval, and says so.
        TestServer.Answer again = server.post("agent", "/v1/actions", request);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.id()).isEqualTo(held.id());
        assertThat(again.body().path("created").asBoolean()).isFalse();
        assertThat(again.body().path("reused").asString()).isEqualTo("approved_duplicate");
        String grant = again.body().path("grant").path("token").asString();
        assertThat(Instant.parse(again.body().path("grant").path("expires_at").asString())).as("no grant outlives its approval")
                .isBeforeOrEqualTo(lapse);

        Thread.sleep(Duration.between(Instant.now(), lapse).toMillis() + 300);

        TestServer.Answer lapsed = server.get("agent", "/v1/actions/" + held.id());
        assertThat(lapsed.body().path("status").asString()).isEqualTo("expired");
        assertThat(lapsed.body().has("grant")).as("nothing to run it with").isFalse();
        TestServer.Answer claimed = server.post("agent", "/v1/actions/" + held.id() + "/claim", "{\"grant\": \"" + grant + "\"}");
        assertThat(claimed.status()).isEqualTo(409);
        assertThat(claimed.error()).isEqualTo("approval_expired");
        JsonNode expiry = server.auditEntries(held.id()).stream().filter(e -> e.path("type").asString().equals("action.expired"))
                .findFirst().orElseThrow();
        assertThat(expiry.path("detail").path("reason").asString()).isEqualTo("approval_expired");

        // Asked again: a new request, for new approvals.
        TestServer.Answer anew = server.post("agent", "/v1/actions", request);
        assertThat(anew.status()).isEqualTo(202);
        assertThat(anew.id()).isNotEqualTo(held.id());
        assertThat(anew.body().path("created").asBoolean()).isTrue();
        assertThat(anew.body().has("reused")).isFalse();
    }

    @Test
    void theSweeperExpiresALapsedApprovalThatNobodyReads() throws Exception {
        TestServer.Answer held = server.post("agent", "/v1/actions", TestServer.request("test.lapse", "prod", ", \"payload\": {\"n\": 1}"));
        server.review("alice", held.id(), "approve", "go");
        for (int i = 0; i < 100 && !auditTypes(held.id()).contains("action.expired"); i++) {
            Thread.sleep(100);
        }
        assertThat(auditTypes(held.id())).endsWith("action.approved", "action.expired");
    }

    @Test
    void ofManyHoldersOfOneApprovalExactlyOneRunsAndTheOthersAreToldWhy() throws Exception {
        String request = TestServer.request("db.migrate", "prod", ", \"payload\": {\"sql\": \"ALTER TABLE customers ADD tier int\"}");
        String id = server.post("agent", "/v1/actions", request).id();
        server.review("alice", id, "approve", "migration window");

        int holders = 8;
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ready = new CountDownLatch(holders);
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < holders; i++) {
                Countersign agent = Countersign.connect(server.uri("/").toString(), server.key("agent"));
                results.add(pool.submit(() -> {
                    ready.countDown();
                    ready.await();
                    try {
                        return agent.guard(request, Duration.ofSeconds(1), () -> {
                            runs.incrementAndGet();
                            Thread.sleep(200); // long enough that a run before its claim would overlap another
                            return "ran";
                        });
                    } catch (ActionNotAllowedException refused) {
                        return refused.code();
                    }
                }));
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<String> result : results) {
                outcomes.add(result.get());
            }
            assertThat(runs.get()).isEqualTo(1);
            // Those who held the approval lost the claim (grant_used); one that asked only after the run got a new
            // request, still pending when its short wait ended (not_allowed). None of them ran anything.
            assertThat(outcomes).containsOnlyOnce("ran").contains("grant_used")
                    .filteredOn(o -> !o.equals("ran")).allMatch(o -> o.equals("grant_used") || o.equals("not_allowed"));
        }
        JsonNode done = server.get("agent", "/v1/actions/" + id).body();
        assertThat(done.path("status").asString()).isEqualTo("executed");
        assertThat(done.path("execution").path("outcome").asString()).isEqualTo("succeeded");
        assertThat(auditTypes(id)).containsSubsequence("action.approved", "execution.started", "action.outcome")
                .containsOnlyOnce("execution.started");
    }

    @Test
    void theClaimComesBeforeTheRunAndTheOutcomeClosesIt() {
        TestServer.Answer allowed = server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", ""));
        String grant = allowed.body().path("grant").path("token").asString();
        TestServer.Answer claimed = server.post("agent", "/v1/actions/" + allowed.id() + "/claim", "{\"grant\": \"" + grant + "\"}");
        assertThat(claimed.status()).isEqualTo(200);
        assertThat(claimed.body().path("claimed").asBoolean()).isTrue();
        assertThat(claimed.body().path("status").asString()).isEqualTo("executed");
        assertThat(claimed.body().path("execution").has("outcome")).isFalse();
        assertThat(claimed.body().has("grant")).as("claimed: no grant to run it again").isFalse();

        TestServer.Answer reported = server.post("agent", "/v1/actions/" + allowed.id() + "/outcome",
                "{\"grant\": \"" + grant + "\", \"status\": \"succeeded\"}");
        assertThat(reported.status()).isEqualTo(200);
        assertThat(reported.body().path("execution").path("outcome").asString()).isEqualTo("succeeded");
        assertThat(auditTypes(allowed.id())).containsExactly("action.requested", "action.decided", "execution.started", "action.outcome");

        TestServer.Answer bad = server.post("agent", "/v1/actions/" + allowed.id() + "/claim", "{\"grant\": \"not.a.grant\"}");
        assertThat(bad.status()).isEqualTo(403);
        assertThat(bad.error()).isEqualTo("invalid_grant");
        TestServer.Answer none = server.post("agent", "/v1/actions/" + allowed.id() + "/claim", "{}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.body().path("error").path("field").asString()).isEqualTo("grant");
    }

    @Test
    void twoPayloadsADoubleCannotTellApartAreRefusedAndNothingIsStored() {
        for (String user : new String[] {"9007199254740993", "9007199254740992"}) {
            TestServer.Answer refused = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                    ", \"payload\": {\"user\": " + user + "}"));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.error()).isEqualTo("not_i_json");
            assertThat(refused.body().path("error").path("field").asString()).isEqualTo("payload.user");
        }
        TestServer.Answer duplicate = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"payload\": {\"user\": 1, \"user\": 2}"));
        assertThat(duplicate.status()).isEqualTo(400);
        assertThat(duplicate.body().path("error").path("field").asString()).isEqualTo("payload.user");
        TestServer.Answer surrogate = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"context\": {\"note\": \"\\ud800\"}"));
        assertThat(surrogate.status()).isEqualTo(400);
        assertThat(surrogate.body().path("error").path("field").asString()).isEqualTo("context.note");
        assertThat(server.get("alice", "/v1/actions").ids()).isEmpty();
    }

    @Test
    void theInventoryNotTheAgentSaysWhereAResourceIsAndWhatItHolds() throws Exception {
        // Production's table is not staging's for saying so.
        TestServer.Answer staging = server.post("agent", "/v1/actions", TestServer.request("db.export", "prod", "")
                .replace("\"env\": \"prod\"", "\"env\": \"staging\""));
        assertThat(staging.status()).isEqualTo(422);
        assertThat(staging.error()).isEqualTo("resource_mismatch");
        assertThat(staging.body().path("error").path("field").asString()).isEqualTo("resource.env");
        TestServer.Answer publicLabel = server.post("agent", "/v1/actions", """
                {"action": "db.export", "resource": {"type": "postgres.table", "id": "prod/customers", "labels": {"data_class": "public"}},
                 "intent": {"summary": "export", "ticket": "OPS-1"}}""");
        assertThat(publicLabel.status()).isEqualTo(422);
        assertThat(publicLabel.body().path("error").path("field").asString()).isEqualTo("resource.labels.data_class");

        // A PII export that leaves its label (and env) out still needs two approvers: the inventory knows.
        TestServer.Answer unlabelled = server.post("agent", "/v1/actions", """
                {"action": "db.export", "resource": {"type": "postgres.table", "id": "prod/customers"},
                 "intent": {"summary": "export", "ticket": "OPS-1"}, "payload": {"sql": "COPY customers TO STDOUT"}}""");
        assertThat(unlabelled.status()).isEqualTo(202);
        assertThat(unlabelled.body().path("resource").path("env").asString()).isEqualTo("prod");
        assertThat(unlabelled.body().path("resource").path("labels").path("data_class").asString()).isEqualTo("pii");
        assertThat(unlabelled.body().path("decision").path("rules").toString()).contains("prod-pii-export");
        assertThat(unlabelled.body().path("quorum").path("requirements").findValues("min").stream().mapToInt(JsonNode::asInt).max().orElseThrow())
                .isEqualTo(2);

        // What the inventory does not list is held, even a read in staging.
        TestServer.Answer unknown = server.post("agent", "/v1/actions", """
                {"action": "db.read", "resource": {"type": "mysql.table", "id": "staging/orders", "env": "staging"},
                 "intent": {"summary": "count orders"}}""");
        assertThat(unknown.status()).isEqualTo(202);
        assertThat(unknown.body().path("decision").path("rules").toString()).contains("unknown-resources");
    }

    @Test
    void aChangedInventoryTakesEffectAtRuntimeAndABrokenOneIsRefusedWithTheOldKept() throws Exception {
        Path inventory = config.resolve("resources.yaml");
        String before = Files.readString(inventory);
        Files.writeString(inventory, before + "  - {type: mysql.table, id: staging/*, env: staging}\n");
        awaitInventory(r -> r.path("detail").path("entries").asInt() > 0 && r.path("type").asString().equals("inventory.loaded")
                && r.path("detail").path("trigger").asString().contains("resources.yaml"));
        TestServer.Answer known = server.post("agent", "/v1/actions", """
                {"action": "db.read", "resource": {"type": "mysql.table", "id": "staging/orders"}, "intent": {"summary": "count orders"}}""");
        assertThat(known.status()).isEqualTo(200);
        assertThat(known.body().path("resource").path("env").asString()).isEqualTo("staging");

        Files.writeString(inventory, before + "  - {type: mysql.table, id: staging/*}\n");
        JsonNode rejected = awaitInventory(r -> r.path("type").asString().equals("inventory.rejected"));
        assertThat(rejected.path("detail").path("problems").get(0).asString()).startsWith("resources.yaml:").contains("missing 'env'");
        TestServer.Answer still = server.post("agent", "/v1/actions", """
                {"action": "db.read", "resource": {"type": "mysql.table", "id": "staging/orders"}, "intent": {"summary": "count orders again"}}""");
        assertThat(still.status()).as("the last good inventory stays").isEqualTo(200);
    }

    /** The newest inventory entry of the log that {@code matches}, waiting up to 10 s for the watcher to load it. */
    private JsonNode awaitInventory(java.util.function.Predicate<JsonNode> matches) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            long size = server.node().checkpointer().sign().size();
            for (long index = size - 1; index >= 0 && index >= size - 20; index--) {
                JsonNode entry = server.get("alice", "/v1/audit/entries/" + index).body().path("entry");
                if (matches.test(entry)) {
                    return entry;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no such inventory entry in the log");
    }

    @Test
    void refusedAttemptsAreOnRecordOncePerPersonAndReasonAMinuteAndInTheControlsReport() {
        String id = server.post("alice", "/v1/actions", TestServer.request("db.migrate", "prod", "")).id();
        for (int i = 0; i < 5; i++) {
            assertThat(server.review("alice", id, "approve", "my own").error()).isEqualTo("self_review");
        }
        assertThat(server.review("bob", id, "approve", "not my group").error()).isEqualTo("not_eligible");
        List<JsonNode> refused = server.auditEntries(id).stream().filter(e -> e.path("type").asString().equals("attempt.refused")).toList();
        assertThat(refused).extracting(e -> e.path("actor").asString() + ":" + e.path("detail").path("reason").asString())
                .containsExactly("alice:self_review", "bob:not_eligible");
        JsonNode first = refused.getFirst().path("detail");
        assertThat(first.path("attempt").asString()).isEqualTo("review");
        assertThat(first.path("decision").asString()).isEqualTo("approve");
        assertThat(first.path("digest").asString()).startsWith("sha256:");
        assertThat(first.path("message").asString()).contains("cannot review their own request");

        // A request refused for an unmet require is on record too, though nothing was stored.
        TestServer.Answer noTicket = server.post("agent", "/v1/actions", TestServer.piiExport(null));
        assertThat(noTicket.status()).isEqualTo(422);
        assertThat(noTicket.error()).isEqualTo("requirement_not_met");

        JsonNode report = server.get("carol", "/v1/reports/controls").body();
        long refusedUnderCm3 = report.path("controls").valueStream().filter(c -> c.path("control").asString().equals("nist-800-53:CM-3"))
                .mapToLong(c -> c.path("refused").asLong()).sum();
        assertThat(refusedUnderCm3).as("alice's first self-review and bob's, under the rule that held it").isEqualTo(2);
        long refusedUnderAc5 = report.path("controls").valueStream().filter(c -> c.path("control").asString().equals("nist-800-53:AC-5"))
                .mapToLong(c -> c.path("refused").asLong()).sum();
        assertThat(refusedUnderAc5).as("the PII export without a ticket").isEqualTo(1);
    }
}
