package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.identity.ApiKeys;
import io.countersign.json.ActionDigest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Identities are live: the node watches its identities file, and a change is in force for the next request
 * within seconds (a revoked or expired key, a disabled person, a reviewer out of their group), recorded in the
 * log with the file's hash; a broken file keeps the one in force and says where it is wrong; and the humans
 * agents act for are people of the file.
 */
class LiveIdentitiesTest {
    /** How long a change of the file may take to be in force: the promise, with the watcher's own delay inside. */
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    Path config;

    TestServer server;
    Path identities;

    @BeforeEach
    void start() {
        server = TestServer.start(config);
        identities = config.resolve("identities.yaml");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String fileHash() throws IOException {
        return "sha256:" + HexFormat.of().formatHex(ActionDigest.sha256(Files.readAllBytes(identities)));
    }

    private static void eventually(String what, BooleanSupplier done) throws InterruptedException {
        Instant deadline = Instant.now().plus(WITHIN);
        while (!done.getAsBoolean()) {
            assertThat(Instant.now()).as(what + " within " + WITHIN.toSeconds() + " s").isBefore(deadline);
            Thread.sleep(100);
        }
    }

    /** The identities file with {@code from} replaced by {@code to} (the file must contain it). */
    private void edit(String from, String to) throws IOException {
        String text = Files.readString(identities);
        assertThat(text).contains(from);
        Files.writeString(identities, text.replace(from, to));
    }

    private String hashOf(String who) {
        return ApiKeys.hash(server.key(who));
    }

    @Test
    void aKeyDeletedFromTheFileStopsWorkingWithinSecondsAndTheLoadIsRecordedWithTheFilesHash() throws Exception {
        assertThat(server.get("alice", "/v1/actions").status()).isEqualTo(200);
        edit("api_keys: [" + hashOf("alice") + "]", "api_keys: []");
        eventually("alice's key refused", () -> server.get("alice", "/v1/actions").status() == 401);
        assertThat(server.get("bob", "/v1/actions").status()).as("everyone else's keys still work").isEqualTo(200);

        String version = fileHash();
        JsonNode loaded = lastSystemEntry("identities.loaded");
        assertThat(loaded.path("detail").path("version").asString()).isEqualTo(version);
        assertThat(loaded.path("detail").path("trigger").asString()).contains("identities.yaml");
        assertThat(loaded.path("detail").path("principals").asInt()).isEqualTo(4);

        JsonNode status = server.get("bob", "/v1/status").body();
        assertThat(status.path("latest").path("identities_version").asString()).isEqualTo(version);
        eventually("the node reports its new identities", () -> server.get("bob", "/v1/status").body().path("nodes").get(0)
                .path("identities_version").asString().equals(version));
        JsonNode node = server.get("bob", "/v1/status").body().path("nodes").get(0);
        assertThat(node.path("node").asString()).isEqualTo(server.node().nodeId());
        assertThat(node.path("lagging")).isEmpty();
        assertThat(node.path("reporting").asBoolean()).isTrue();
    }

    @Test
    void aBrokenFileKeepsTheIdentitiesInForceAndSaysWhereItIsWrong() throws Exception {
        String before = fileHash();
        edit("kind: agent", "kind: robot");
        eventually("the change refused", () -> !server.auditEntriesOfType("identities.rejected").isEmpty());
        JsonNode rejected = lastSystemEntry("identities.rejected");
        assertThat(rejected.path("detail").path("active_version").asString()).isEqualTo(before);
        assertThat(rejected.path("detail").path("problems").get(0).asString())
                .matches("identities\\.yaml:\\d+: principal 'deploy-agent': kind must be agent, human or service");
        assertThat(server.get("agent", "/v1/actions").status()).as("the identities in force stay").isEqualTo(200);
        assertThat(server.get("bob", "/v1/status").body().path("latest").path("identities_version").asString()).isEqualTo(before);
    }

    @Test
    void aKeyPastItsExpiryIsRefusedAndOneBeforeItWorks() throws Exception {
        String expired = ApiKeys.generate();
        String valid = ApiKeys.generate();
        Files.writeString(identities, Files.readString(identities) + """
                  - id: ci
                    kind: service
                    api_keys:
                      - {hash: %s, expires: 2020-01-01}
                      - {hash: %s, expires: "%s"}
                """.formatted(ApiKeys.hash(expired), ApiKeys.hash(valid), Instant.now().plus(Duration.ofDays(30))));
        assertThat(server.node().reloadIdentities("test")).isInstanceOf(io.countersign.lifecycle.Reloader.Result.Activated.class);
        assertThat(server.getWithKey(expired, "/v1/actions").status()).isEqualTo(401);
        assertThat(server.getWithKey(valid, "/v1/actions").status()).isEqualTo(200);
    }

    @Test
    void aDisabledPersonCanNoLongerActAndAReviewerOutOfTheirGroupNoLongerReviews() throws Exception {
        String held = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod", "")).id();
        edit("    groups: [sre]\n    accounts: {slack: U0ALICE", "    groups: []\n    accounts: {slack: U0ALICE");
        edit("  - id: bob\n", "  - id: bob\n    disabled: true\n");
        server.node().reloadIdentities("test");
        assertThat(server.get("bob", "/v1/actions").status()).isEqualTo(401);
        TestServer.Answer review = server.review("alice", held, "approve", "ok");
        assertThat(review.status()).isEqualTo(403);
        assertThat(review.error()).isEqualTo("not_eligible");
    }

    @Test
    void aRequestActsForAHumanOfTheFileWhoThenCannotReviewItAndForNobodyElseUnlessARuleSaysSo() throws Exception {
        // By e-mail address, written another way: it is alice, and alice may not review what is done for her.
        TestServer.Answer forAlice = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"context\": {\"on_behalf_of\": \"ALICE@Example.com\"}"));
        assertThat(forAlice.status()).isEqualTo(202);
        assertThat(forAlice.body().path("requester").path("on_behalf_of").asString()).isEqualTo("alice");
        assertThat(server.review("alice", forAlice.id(), "approve", "mine").error()).isEqualTo("self_review");

        TestServer.Answer unknown = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"context\": {\"on_behalf_of\": \"mallory@example.com\"}"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("error").path("field").asString()).isEqualTo("context.on_behalf_of");
        assertThat(unknown.body().path("error").path("message").asString()).contains("mallory@example.com");

        Files.writeString(config.resolve("policies/customers.yaml"), """
                version: 1
                rules:
                  - id: support-for-customers
                    when: action == "support.refund"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                    on_behalf_of: any
                """);
        server.node().reloadPolicy("test");
        TestServer.Answer forCustomer = server.post("agent", "/v1/actions", """
                {"action": "support.refund", "resource": {"type": "postgres.table", "id": "prod/customers", "env": "prod"},
                 "intent": {"summary": "refund order 42"}, "context": {"on_behalf_of": "customer-981@shop.example"}}""");
        assertThat(forCustomer.status()).isEqualTo(202);
        assertThat(forCustomer.body().path("requester").path("on_behalf_of").asString()).isEqualTo("customer-981@shop.example");
    }

    private JsonNode lastSystemEntry(String type) {
        List<JsonNode> entries = server.auditEntriesOfType(type);
        assertThat(entries).as(type + " entries").isNotEmpty();
        return entries.getLast();
    }
}
