package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.OctetKeyPair;
import io.countersign.grants.GrantKey;
import io.countersign.grants.Grants;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.ActionId;
import io.countersign.sdk.ActionNotAllowedException;
import io.countersign.sdk.ActionResult;
import io.countersign.sdk.Countersign;
import io.countersign.sdk.GrantVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grants in gate mode: issued to the requester, checked by resources, used once, every misuse refused and audited. */
class GrantTest {
    @TempDir
    Path config;

    TestServer server;
    Countersign agent;

    @BeforeEach
    void start() {
        server = TestServer.start(config);
        agent = Countersign.connect(server.uri("/").toString(), server.key("agent"));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private TestServer.Answer allowedRead(String id) {
        var answer = server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", ", \"idempotency_key\": \"" + id + "\""));
        assertThat(answer.status()).isEqualTo(200);
        return answer;
    }

    private static String token(TestServer.Answer answer) {
        return answer.body().path("grant").path("token").asString();
    }

    /** The resource-side check, for the audience the grant names (a resource knows who it is). */
    private TestServer.Answer verify(String who, String token, boolean consume) {
        var body = Json.object();
        body.put("grant", token);
        body.put("audience", audienceOf(token));
        body.put("consume", consume);
        return server.post(who, "/v1/grants/verify", Json.text(body));
    }

    /** The audience a grant names (its {@code aud} claim), or an empty one for a token that is not a JWS. */
    static String audienceOf(String token) {
        String[] parts = token.split("\\.");
        try {
            return Json.parse(java.util.Base64.getUrlDecoder().decode(parts[1])).path("aud").asString("");
        } catch (RuntimeException notAJws) {
            return "none";
        }
    }

    private List<String> auditTypes(String actionId) {
        return server.auditEntries(actionId).stream().map(e -> e.path("type").asString()).toList();
    }

    @Test
    void theSdkRunsAHeldActionOnceAfterApprovalAndReportsItsOutcome() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> guarded = pool.submit(() -> agent.guard(TestServer.piiExport("OPS-7"), Duration.ofSeconds(30), () -> {
                runs.incrementAndGet();
                return "exported";
            }));
            String id = null;
            for (int i = 0; i < 100 && id == null; i++) {
                var pending = server.get("alice", "/v1/actions?status=pending");
                id = pending.ids().isEmpty() ? null : pending.ids().getFirst();
                Thread.sleep(50);
            }
            assertThat(runs.get()).isZero();
            server.review("alice", id, "approve", "ticket checked");
            server.review("bob", id, "approve", "owner ok");
            assertThat(guarded.get()).isEqualTo("exported");
            assertThat(runs.get()).isEqualTo(1);
            var done = server.get("agent", "/v1/actions/" + id);
            assertThat(done.body().path("status").asString()).isEqualTo("executed");
            assertThat(done.body().path("execution").path("outcome").asString()).isEqualTo("succeeded");
            assertThat(done.body().has("grant")).isFalse();
            assertThat(auditTypes(id)).containsSubsequence("action.approved", "execution.started", "action.outcome");
        }
    }

    @Test
    void aDeniedRequestNeverRunsItsLambda() {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> agent.guard("""
                {"action": "aws.iam.AttachRolePolicy", "resource": {"type": "aws.iam.role", "id": "deployer"},
                 "intent": {"summary": "more rights"}, "payload": {"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}""",
                Duration.ofSeconds(1), runs::incrementAndGet))
                .isInstanceOf(ActionNotAllowedException.class).hasMessageContaining("it is denied");
        // Still pending when the wait runs out: the lambda does not run either.
        assertThatThrownBy(() -> agent.guard(TestServer.piiExport("OPS-9"), Duration.ofSeconds(1), runs::incrementAndGet))
                .isInstanceOf(ActionNotAllowedException.class).hasMessageContaining("it is pending");
        assertThat(runs.get()).isZero();
    }

    @Test
    void aFailingLambdaIsReportedAsFailed() {
        assertThatThrownBy(() -> agent.guard(TestServer.request("db.read", "dev", ""), Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("disk full");
        })).hasMessage("disk full");
        var listed = server.get("agent", "/v1/actions?limit=1").body().path("actions").get(0);
        assertThat(listed.path("status").asString()).isEqualTo("failed");
        assertThat(listed.path("execution").path("detail").asString()).isEqualTo("disk full");
    }

    @Test
    void aReplayedGrantIsRefusedAndAudited() {
        var allowed = allowedRead("r1");
        String token = token(allowed);
        assertThat(verify("carol", token, false).status()).isEqualTo(200);
        var first = verify("carol", token, true);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().path("status").asString()).isEqualTo("executed");
        var replay = verify("carol", token, true);
        assertThat(replay.status()).isEqualTo(409);
        assertThat(replay.error()).isEqualTo("grant_used");
        assertThat(auditTypes(allowed.id())).containsSubsequence("execution.started", "grant.refused");
        // A fresh read of an executed action carries no new grant.
        assertThat(server.get("agent", "/v1/actions/" + allowed.id()).body().has("grant")).isFalse();
    }

    @Test
    void aGrantForOneActionCannotReportAnother() {
        String tokenA = token(allowedRead("a"));
        String idB = allowedRead("b").id();
        var body = Json.object();
        body.put("grant", tokenA);
        body.put("status", "succeeded");
        var refused = server.post("agent", "/v1/actions/" + idB + "/outcome", Json.text(body));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("invalid_grant");
        assertThat(refused.body().path("error").path("message").asString()).contains("is for action");
    }

    @Test
    void expiredForeignAndMismatchedGrantsAreRefused() throws Exception {
        var allowed = allowedRead("x");
        ActionRecord record = server.node().actions().find(new ActionId(allowed.id())).orElseThrow();
        OctetKeyPair ours = OctetKeyPair.parse(Files.readString(config.resolve("keys/grants.jwk")));

        String expired = new Grants(ours, Duration.ofSeconds(30)).sign(record, Instant.now().minusSeconds(3600)).token();
        assertThat(verify("carol", expired, false).body().path("error").path("message").asString()).contains("expired");

        OctetKeyPair theirs = new OctetKeyPair.Builder(GrantKey.generate()).keyID(ours.getKeyID()).build();
        String foreign = new Grants(theirs, Duration.ofMinutes(5)).sign(record, Instant.now()).token();
        assertThat(verify("carol", foreign, true).body().path("error").path("message").asString()).contains("does not verify");

        // A grant whose digest is not the stored action's: the payload changed after approval.
        ActionRecord changed = new ActionRecord(record.id(), record.requester(), record.request(), "sha256:" + "0".repeat(64),
                record.status(), record.version(), record.decision(), record.reviews(), record.createdAt(), record.updatedAt(),
                record.expiresAt(), null);
        String mismatched = new Grants(ours, Duration.ofMinutes(5)).sign(changed, Instant.now()).token();
        var refused = verify("carol", mismatched, true);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().path("error").path("message").asString()).contains("digest does not match");
        assertThat(server.get("agent", "/v1/actions/" + allowed.id()).body().path("status").asString()).isEqualTo("allowed");

        var garbage = verify("carol", "not.a.jws", false);
        assertThat(garbage.status()).isEqualTo(403);
        assertThat(garbage.body().path("error").path("field").asString()).isEqualTo("grant");
    }

    @Test
    void resourcesVerifyGrantsOfflineWithThePublishedKey() throws Exception {
        var allowed = allowedRead("o");
        GrantVerifier verifier = agent.grantVerifier();
        // The resource the grant is for, in its environment: dev's customers table, as the inventory knows it.
        String audience = "postgres.table:dev/customers@dev";
        GrantVerifier.Grant grant = verifier.verify(token(allowed), audience);
        assertThat(grant.actionId()).isEqualTo(allowed.id());
        assertThat(grant.digest()).isEqualTo(allowed.body().path("digest").asString());
        assertThatThrownBy(() -> verifier.verify(token(allowed), "postgres.table:prod/orders")).hasMessageContaining("is for");
        assertThatThrownBy(() -> verifier.verify(token(allowed), "postgres.table:dev/customers@prod")).as("another environment")
                .hasMessageContaining("is for");
        String tampered = token(allowed).substring(0, token(allowed).length() - 4) + "AAAA";
        assertThatThrownBy(() -> verifier.verify(tampered, audience)).hasMessageContaining("signature");
        assertThat(Files.getPosixFilePermissions(config.resolve("keys/grants.jwk")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
        assertThat(server.get(null, "/.well-known/jwks.json").body().path("keys").get(0).has("d")).isFalse();
    }

    @Test
    void rotatingTheGrantKeyRetiresEveryGrantOfTheOldKey() throws Exception {
        // The procedure in SECURITY.md: stop the node, remove keys/grants.jwk, start it; a new key is made.
        var before = allowedRead("rot-1");
        String oldKid = server.get(null, "/.well-known/jwks.json").body().path("keys").get(0).path("kid").asString();
        server.restart(() -> {
            try {
                Files.delete(config.resolve("keys/grants.jwk"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String newKid = server.get(null, "/.well-known/jwks.json").body().path("keys").get(0).path("kid").asString();
        assertThat(newKid).isNotEqualTo(oldKid);
        assertThat(server.get(null, "/.well-known/jwks.json").body().path("keys").size()).as("only the new key is published").isEqualTo(1);
        var refused = verify("agent", token(before), true);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.error()).isEqualTo("invalid_grant");
        assertThatThrownBy(() -> Countersign.connect(server.uri("/").toString(), server.key("agent")).grantVerifier()
                .verify(token(before), "postgres.table:dev/customers@dev")).as("offline too").isInstanceOf(Exception.class);
        var after = allowedRead("rot-2");
        assertThat(verify("agent", token(after), true).status()).isEqualTo(200);
    }

    @Test
    void aResourceMustSayWhoItIsToVerifyAGrantAndAGrantForAnotherEnvironmentIsRefused() {
        String token = token(allowedRead("aud"));
        var body = Json.object();
        body.put("grant", token);
        body.put("consume", true);
        var missing = server.post("carol", "/v1/grants/verify", Json.text(body));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().path("error").path("field").asString()).isEqualTo("audience");
        body.put("audience", "postgres.table:dev/customers@prod");
        var elsewhere = server.post("carol", "/v1/grants/verify", Json.text(body));
        assertThat(elsewhere.status()).isEqualTo(403);
        assertThat(elsewhere.body().path("error").path("message").asString()).contains("is for postgres.table:dev/customers@dev");
        assertThat(verify("carol", token, true).status()).as("nothing was used by the refusals").isEqualTo(200);
    }

    @Test
    void onlyTheRequesterGetsAGrant() {
        var allowed = allowedRead("v");
        assertThat(allowed.body().has("grant")).isTrue();
        assertThat(server.get("alice", "/v1/actions/" + allowed.id()).body().has("grant")).isFalse();
        ActionResult result = agent.get(allowed.id());
        assertThat(result.grant()).isNotBlank();
    }

    @Test
    void aRulesGrantTtlSetsHowLongItsGrantsLive() {
        Instant before = Instant.now();
        var quick = server.post("agent", "/v1/actions", TestServer.request("test.quickgrant", "dev", ""));
        Instant quickExpiry = Instant.parse(quick.body().path("grant").path("expires_at").asString());
        assertThat(Duration.between(before, quickExpiry)).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(31));
        var plain = allowedRead("plain-ttl");
        Instant plainExpiry = Instant.parse(plain.body().path("grant").path("expires_at").asString());
        assertThat(Duration.between(before, plainExpiry)).isBetween(Duration.ofMinutes(5).minusSeconds(1), Duration.ofMinutes(5).plusSeconds(1));
        assertThat(quick.body().path("decision").path("grant_ttl").asString()).isEqualTo("30s");
    }
}
