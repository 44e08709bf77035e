package io.countersign.server;

import static io.countersign.server.TestServer.piiExport;
import static io.countersign.server.TestServer.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.TestServer.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The approval lifecycle over HTTP, against a real node on SQLite. */
class ActionApiTest {
    @TempDir
    Path config;

    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(config);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /**
     * What the README says a client can do: take {@code action}, {@code resource} and {@code payload} as the answer
     * shows them, canonicalise them by RFC 8785 (with a JCS implementation of its own) and hash them, and get the digest.
     */
    @Test
    void aClientComputesTheDigestFromTheAnswerAsTheReadmeSays() throws Exception {
        List<String> requests = List.of(
                request("db.read", "prod", ""),
                // No env, no labels, no payload: the inventory fills in the env, labels {} and payload null are covered.
                """
                {"action": "db.read", "resource": {"type": "postgres.table", "id": "prod/customers"}, "intent": {"summary": "read"}}""",
                piiExport("OPS-9"));
        for (String submitted : requests) {
            var body = server.post("agent", "/v1/actions", submitted).body();
            var covered = io.countersign.json.Json.object();
            covered.set("action", body.get("action"));
            covered.set("resource", body.get("resource"));
            covered.set("payload", body.get("payload"));
            String canonical = new org.erdtman.jcs.JsonCanonicalizer(covered.toString()).getEncodedString();
            String digest = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(body.path("digest").asString()).as(submitted).isEqualTo(digest);
        }
    }

    @Test
    void allowedActionAnswers200WithDigestAndDecision() {
        Answer answer = server.post("agent", "/v1/actions", request("db.read", "prod", ""));
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body().path("status").asString()).isEqualTo("allowed");
        assertThat(answer.body().path("digest").asString()).matches("sha256:[0-9a-f]{64}");
        assertThat(answer.body().path("decision").path("rules").get(0).asString()).isEqualTo("reads-allowed");
        assertThat(answer.body().path("decision").path("policy_version").asString()).startsWith("sha256:");
    }

    @Test
    void deniedActionAnswers403WithRuleAndReason() {
        Answer answer = server.post("agent", "/v1/actions", """
                {"action": "aws.iam.AttachRolePolicy", "resource": {"type": "aws.iam.role", "id": "deployer"},
                 "intent": {"summary": "needs more rights"},
                 "payload": {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}
                """);
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.body().path("status").asString()).isEqualTo("denied");
        assertThat(answer.body().path("decision").path("rules").toString()).contains("no-admin-grants");
        assertThat(answer.body().path("error").path("message").asString()).isEqualTo("Attaching AdministratorAccess is never allowed");
        // The rule that decided, whatever else matched first.
        assertThat(answer.body().path("error").path("rule").asString()).isEqualTo("no-admin-grants");
        assertThat(answer.body().path("decision").path("rule").asString()).isEqualTo("no-admin-grants");
    }

    @Test
    void heldActionIsApprovedByTwoDistinctHumans() {
        Answer held = server.post("agent", "/v1/actions", piiExport("OPS-42"));
        assertThat(held.status()).isEqualTo(202);
        assertThat(held.body().path("status").asString()).isEqualTo("pending");
        assertThat(held.body().path("expires_at").asString()).isNotEmpty();
        assertThat(held.body().path("quorum").path("requirements").toString()).contains("\"rule\":\"prod-pii-export\",\"min\":2");

        Answer first = server.review("alice", held.id(), "approve", "ticket OPS-42 checked");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().path("status").asString()).isEqualTo("pending");
        assertThat(first.body().path("quorum").path("approvals").asInt()).isEqualTo(1);

        Answer second = server.review("bob", held.id(), "approve", "data owner agrees");
        assertThat(second.body().path("status").asString()).isEqualTo("approved");
        assertThat(second.body().path("reviews").findValuesAsString("reviewer")).containsExactly("alice", "bob");
        assertThat(server.get("agent", "/v1/actions/" + held.id()).body().path("status").asString()).isEqualTo("approved");
    }

    @Test
    void samePersonCannotApproveTwice() {
        String id = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        assertThat(server.review("alice", id, "approve", "ok").status()).isEqualTo(200);
        Answer again = server.review("alice", id, "approve", "ok again");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("already_reviewed");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews").size()).isEqualTo(1);
    }

    @Test
    void requesterOwnerAndAgentCannotApprove() {
        String id = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        Answer agent = server.review("agent", id, "approve", "self");
        assertThat(agent.status()).isEqualTo(403);
        assertThat(agent.error()).isEqualTo("not_human");
        Answer owner = server.review("carol", id, "approve", "my agent");
        assertThat(owner.status()).isEqualTo(403);
        assertThat(owner.error()).isEqualTo("self_review");

        String ownRequest = server.post("alice", "/v1/actions", request("db.migrate", "prod", "")).id();
        Answer self = server.review("alice", ownRequest, "approve", "mine");
        assertThat(self.status()).isEqualTo(403);
        assertThat(self.error()).isEqualTo("self_review");
        assertThat(server.get("alice", "/v1/actions/" + ownRequest).body().path("status").asString()).isEqualTo("pending");
    }

    @Test
    void humanOutsideTheGroupsIsNotEligible() {
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        Answer bob = server.review("bob", id, "approve", "not my area");
        assertThat(bob.status()).isEqualTo(403);
        assertThat(bob.error()).isEqualTo("not_eligible");
        assertThat(bob.body().path("error").path("message").asString()).contains("sre");
    }

    @Test
    void humanNamedOnBehalfOfCannotReview() {
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod",
                ", \"context\": {\"on_behalf_of\": \"alice@example.com\"}")).id();
        assertThat(server.review("alice", id, "approve", "for me").error()).isEqualTo("self_review");
    }

    @Test
    void justificationIsRequiredWhenTheRuleSaysSo() {
        String id = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        Answer answer = server.review("alice", id, "approve", null);
        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.error()).isEqualTo("justification_required");
        assertThat(answer.body().path("error").path("field").asString()).isEqualTo("comment");
    }

    @Test
    void unmetRequirementIsRefusedAndNothingIsStored() {
        Answer answer = server.post("agent", "/v1/actions", piiExport(null));
        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.error()).isEqualTo("requirement_not_met");
        assertThat(answer.body().path("error").path("rule").asString()).isEqualTo("prod-pii-export");
        assertThat(server.get("agent", "/v1/actions").body().path("actions").size()).isZero();
    }

    @Test
    void anyDenyEndsTheRequest() {
        String id = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        server.review("alice", id, "approve", "fine by me");
        Answer denied = server.review("bob", id, "deny", "this table is under legal hold");
        assertThat(denied.body().path("status").asString()).isEqualTo("denied");
        assertThat(server.review("carol", id, "approve", "late").error()).isEqualTo("not_pending");
    }

    @Test
    void pendingRequestExpiresAtItsTtlAndCannotBeRevived() {
        Answer held = server.post("agent", "/v1/actions", request("test.short", "prod", ""));
        assertThat(held.status()).isEqualTo(202);
        Instant started = Instant.now();
        Answer waited = server.get("agent", "/v1/actions/" + held.id() + "?wait=20s");
        assertThat(waited.body().path("status").asString()).isEqualTo("expired");
        assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(10));
        Answer late = server.review("alice", held.id(), "approve", "too late");
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.error()).isEqualTo("expired");
    }

    @Test
    void sweeperExpiresRequestsNobodyReads() throws InterruptedException {
        String id = server.post("agent", "/v1/actions", request("test.short", "prod", "")).id();
        Thread.sleep(4_500);
        // Listing does not expire on read, so an expired status here is the sweeper's work.
        Answer list = server.get("agent", "/v1/actions?status=expired");
        assertThat(list.ids()).contains(id);
    }

    @Test
    void longPollWakesWhenTheRequestIsDecided() throws Exception {
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Answer> waiting = pool.submit(() -> server.get("agent", "/v1/actions/" + id + "?wait=30s"));
            Thread.sleep(300);
            assertThat(waiting).isNotDone();
            Instant approvedAt = Instant.now();
            server.review("alice", id, "approve", "go");
            Answer woke = waiting.get();
            assertThat(woke.body().path("status").asString()).isEqualTo("approved");
            assertThat(Duration.between(approvedAt, Instant.now())).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void requesterCancelsAndOthersCannot() {
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        Answer byAlice = server.post("alice", "/v1/actions/" + id + "/cancel", "{}");
        assertThat(byAlice.status()).isEqualTo(403);
        assertThat(byAlice.error()).isEqualTo("not_requester");
        Answer cancelled = server.post("agent", "/v1/actions/" + id + "/cancel", "{}");
        assertThat(cancelled.body().path("status").asString()).isEqualTo("cancelled");
        assertThat(server.post("agent", "/v1/actions/" + id + "/cancel", "{}").error()).isEqualTo("not_pending");
        assertThat(server.review("alice", id, "approve", "x").error()).isEqualTo("not_pending");
    }

    @Test
    void concurrentReviewsProduceExactlyOneOutcome() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = server.post("agent", "/v1/actions", request("test.race", "prod", ", \"payload\": {\"round\": " + round + "}")).id();
            List<Future<Answer>> answers = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 8; i++) {
                    String who = i % 2 == 0 ? "alice" : "bob";
                    String decision = i % 2 == 0 ? "approve" : "deny";
                    answers.add(pool.submit(() -> {
                        go.await();
                        return server.review(who, id, decision, "race");
                    }));
                }
                go.countDown();
                long succeeded = 0;
                for (Future<Answer> answer : answers) {
                    Answer a = answer.get();
                    if (a.status() == 200) {
                        succeeded++;
                    } else {
                        assertThat(a.status()).isEqualTo(409);
                    }
                }
                assertThat(succeeded).isEqualTo(1);
            }
            Answer finalState = server.get("alice", "/v1/actions/" + id);
            assertThat(finalState.body().path("reviews").size()).isEqualTo(1);
            String winner = finalState.body().path("reviews").get(0).path("decision").asString();
            assertThat(finalState.body().path("status").asString()).isEqualTo(winner.equals("approve") ? "approved" : "denied");
        }
    }

    @Test
    void restartKeepsEveryRequest() {
        String allowed = server.post("agent", "/v1/actions", request("db.read", "prod", "")).id();
        String approved = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        server.review("alice", approved, "approve", "go");
        String halfway = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        server.review("alice", halfway, "approve", "first");

        server.restart();

        assertThat(server.get("agent", "/v1/actions/" + allowed).body().path("status").asString()).isEqualTo("allowed");
        assertThat(server.get("agent", "/v1/actions/" + approved).body().path("status").asString()).isEqualTo("approved");
        Answer resumed = server.review("bob", halfway, "approve", "second, after restart");
        assertThat(resumed.body().path("status").asString()).isEqualTo("approved");
        assertThat(resumed.body().path("reviews").size()).isEqualTo(2);
    }

    @Test
    void resubmitWithSameIdempotencyKeyReturnsTheSameRequest() {
        String body = request("db.migrate", "prod", ", \"idempotency_key\": \"run-77-step-3\"");
        Answer first = server.post("agent", "/v1/actions", body);
        Answer again = server.post("agent", "/v1/actions", body);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(first.body().path("created").asBoolean()).isTrue();
        assertThat(again.body().path("created").asBoolean()).isFalse();
        Answer changed = server.post("agent", "/v1/actions", request("db.drop", "prod", ", \"idempotency_key\": \"run-77-step-3\""));
        assertThat(changed.status()).isEqualTo(409);
        assertThat(changed.error()).isEqualTo("idempotency_conflict");
    }

    @Test
    void identicalPendingRequestsReachReviewersOnce() {
        Answer first = server.post("agent", "/v1/actions", request("db.migrate", "prod", ""));
        Answer second = server.post("agent", "/v1/actions", request("db.migrate", "prod", ""));
        assertThat(second.status()).isEqualTo(202);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(server.get("alice", "/v1/actions?status=pending").body().path("actions").size()).isEqualTo(1);
    }

    @Test
    void anIdenticalRequestApprovedAndNotYetRunIsReturnedWithAGrantUntilItRuns() {
        Answer first = server.post("agent", "/v1/actions", request("db.migrate", "prod", ""));
        assertThat(server.review("alice", first.id(), "approve", "checked").status()).isEqualTo(200);

        Answer again = server.post("agent", "/v1/actions", request("db.migrate", "prod", ""));
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.body().path("status").asString()).isEqualTo("approved");
        assertThat(again.body().path("created").asBoolean()).isFalse();
        String grant = again.body().path("grant").path("token").asString();
        assertThat(grant).isNotEmpty();
        assertThat(server.get("alice", "/v1/actions?status=pending").body().path("actions").size()).isZero();

        assertThat(server.post("agent", "/v1/actions/" + first.id() + "/outcome",
                "{\"grant\": \"" + grant + "\", \"status\": \"succeeded\"}").status()).isEqualTo(200);
        Answer afterItRan = server.post("agent", "/v1/actions", request("db.migrate", "prod", ""));
        assertThat(afterItRan.status()).isEqualTo(202);
        assertThat(afterItRan.id()).isNotEqualTo(first.id());
    }

    @Test
    void reviewerInboxHoldsExactlyWhatTheyMayReview() {
        String sreOnly = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        String pii = server.post("agent", "/v1/actions", piiExport("OPS-42")).id();
        assertThat(server.get("alice", "/v1/actions?status=pending").ids())
                .containsExactly(pii, sreOnly);
        assertThat(server.get("bob", "/v1/actions?status=pending").ids())
                .containsExactly(pii);
        assertThat(server.get("carol", "/v1/actions?status=pending").body().path("actions").size()).isZero();
        server.review("alice", pii, "approve", "checked");
        assertThat(server.get("alice", "/v1/actions?status=pending").ids())
                .containsExactly(sreOnly);
    }

    @Test
    void agentsSeeOnlyTheirOwnRequests() {
        String byAlice = server.post("alice", "/v1/actions", request("db.migrate", "prod", "")).id();
        assertThat(server.get("agent", "/v1/actions/" + byAlice).status()).isEqualTo(404);
        assertThat(server.get("agent", "/v1/actions").body().path("actions").size()).isZero();
    }

    @Test
    void badInputIsRefusedWithTheFieldAndNothingChanges() {
        record Case(String body, int status, String code, String field) {
        }
        List<Case> cases = List.of(
                new Case("{\"action\": ", 400, "malformed_json", null),
                new Case("", 400, "malformed_json", null),
                new Case("[1, 2]", 400, "invalid_field", null),
                new Case("{\"action\":\"a\",\"action\":\"b\",\"resource\":{\"type\":\"t\",\"id\":\"i\"},\"intent\":{\"summary\":\"s\"}}", 400, "malformed_json", null),
                new Case(request("db.read", "prod", ", \"resouce\": {}"), 400, "unknown_field", "resouce"),
                new Case("{\"action\": \"db.read\", \"resource\": {\"type\": \"t\"}, \"intent\": {\"summary\": \"s\"}}", 400, "missing_field", "resource.id"),
                new Case("{\"action\": \"db.read\", \"resource\": {\"type\": \"t\", \"id\": \"i\"}}", 400, "missing_field", "intent"),
                new Case("{\"action\": \"db.read\", \"resource\": {\"type\": \"t\", \"id\": \"i\"}, \"intent\": {\"summary\": 5}}", 400, "invalid_field", "intent.summary"),
                new Case("{\"action\": \"db.read\", \"resource\": {\"type\": \"t\", \"id\": \"i\", \"labels\": {\"a\": 1}}, \"intent\": {\"summary\": \"s\"}}", 400, "invalid_field", "resource.labels.a"),
                new Case("{\"action\": \"rm -rf /\", \"resource\": {\"type\": \"t\", \"id\": \"i\"}, \"intent\": {\"summary\": \"s\"}}", 400, "invalid_field", "action"),
                new Case(request("db.read", "prod", ", \"context\": {\"on_behalf_of\": 7}"), 400, "invalid_field", "context.on_behalf_of"));
        for (Case c : cases) {
            Answer answer = server.post("agent", "/v1/actions", c.body());
            assertThat(answer.status()).as(c.body()).isEqualTo(c.status());
            assertThat(answer.error()).as(c.body()).isEqualTo(c.code());
            if (c.field() != null) {
                assertThat(answer.body().path("error").path("field").asString()).as(c.body()).isEqualTo(c.field());
            }
            assertThat(answer.body().toString()).doesNotContain("Exception").doesNotContain("at io.");
        }
        assertThat(server.get("agent", "/v1/actions").body().path("actions").size()).isZero();
    }

    @Test
    void oversizedBodyIsRefusedWith413() {
        String huge = request("db.read", "prod", ", \"payload\": {\"blob\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        Answer answer = server.post("agent", "/v1/actions", huge);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.error()).isEqualTo("body_too_large");
    }

    @Test
    void badReviewInputNamesTheField() {
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        Answer wrongDecision = server.post("alice", "/v1/actions/" + id + "/reviews", "{\"decision\": \"maybe\"}");
        assertThat(wrongDecision.status()).isEqualTo(400);
        assertThat(wrongDecision.body().path("error").path("field").asString()).isEqualTo("decision");
        Answer extra = server.post("alice", "/v1/actions/" + id + "/reviews", "{\"decision\": \"approve\", \"as\": \"bob\"}");
        assertThat(extra.error()).isEqualTo("unknown_field");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews").size()).isZero();
    }

    @Test
    void unknownIdsAndBadParametersAre4xx() {
        assertThat(server.get("alice", "/v1/actions/act_00000000000000000000000000000000").status()).isEqualTo(404);
        assertThat(server.get("alice", "/v1/actions/../../etc/passwd").status()).isEqualTo(404);
        assertThat(server.review("alice", "act_00000000000000000000000000000000", "approve", "x").status()).isEqualTo(404);
        assertThat(server.get("alice", "/v1/actions?status=sort-of").body().path("error").path("field").asString()).isEqualTo("status");
        assertThat(server.get("alice", "/v1/actions?limit=100000").body().path("error").path("field").asString()).isEqualTo("limit");
        String id = server.post("agent", "/v1/actions", request("db.migrate", "prod", "")).id();
        assertThat(server.get("agent", "/v1/actions/" + id + "?wait=forever").body().path("error").path("field").asString()).isEqualTo("wait");
        assertThat(server.get("agent", "/v1/actions/" + id + "?wait=2h").status()).isEqualTo(400);
        assertThat(server.get("alice", "/v1/nothing-here").status()).isEqualTo(404);
    }

    @Test
    void unauthenticatedCallsGet401WithNoDetail() throws Exception {
        Answer none = server.get(null, "/v1/actions");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).isEqualTo("unauthenticated");
        HttpResponse<String> wrongKey = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/v1/actions"))
                .header("Authorization", "Bearer cs_not-a-real-key").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongKey.statusCode()).isEqualTo(401);
        assertThat(wrongKey.body()).isEqualTo(none.body().toString());
        assertThat(wrongKey.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"countersign\"");
        assertThat(server.post(null, "/v1/actions", request("db.read", "prod", "")).status()).isEqualTo(401);
    }

    @Test
    void healthzAnswersWhenReady() throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"");
        assertThat(URI.create(health.uri().toString()).getPath()).isEqualTo("/healthz");
    }
}
