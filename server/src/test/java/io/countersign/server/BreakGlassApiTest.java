package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Break-glass over the API, on the demo config: carol (an admin) lets bob's production change run without
 * the SRE approval it waits for; alice, who could have approved it, reviews it afterwards. Nobody breaks
 * glass on a request they are behind, and never where a rule forbids it (the example's PII exports).
 */
class BreakGlassApiTest {
    private static final String WHY = "customer data request due by law today; both approvers are off sick";

    @TempDir
    Path directory;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A production change bob asks for, held for one SRE. */
    private String held() {
        TestServer.Answer submitted = server.post("bob", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"payload\": {\"n\": " + System.nanoTime() % 1_000_000 + "}"));
        assertThat(submitted.status()).as(submitted.body().toString()).isEqualTo(202);
        return submitted.id();
    }

    private TestServer.Answer breakGlass(String who, String id, String justification) {
        var body = Json.object();
        body.put("justification", justification);
        return server.post(who, "/v1/actions/" + id + "/break-glass", Json.text(body));
    }

    private TestServer.Answer reviewAfterwards(String who, String id, String verdict, String comment) {
        var body = Json.object();
        body.put("verdict", verdict);
        if (comment != null) {
            body.put("comment", comment);
        }
        return server.post(who, "/v1/actions/" + id + "/break-glass/review", Json.text(body));
    }

    @Test
    void anAdminLetsTheRequestRunOnceAndSomeoneWhoCouldHaveApprovedItReviewsItAfterwards() {
        String id = held();
        TestServer.Answer broken = breakGlass("carol", id, "  " + WHY + "  ");
        assertThat(broken.status()).as(broken.body().toString()).isEqualTo(200);
        assertThat(broken.body().path("status").asString()).isEqualTo("approved");
        assertThat(broken.body().path("approval_expires_at").asString()).as("the approval stands for a while, not for ever").isNotEmpty();
        assertThat(broken.body().path("reviews")).isEmpty();
        JsonNode glass = broken.body().path("break_glass");
        assertThat(glass.path("by").asString()).isEqualTo("carol");
        assertThat(glass.path("justification").asString()).isEqualTo(WHY);
        assertThat(glass.path("review").path("status").asString()).isEqualTo("pending");

        // Bob runs it, once: he claims it with the grant he now reads.
        TestServer.Answer read = server.get("bob", "/v1/actions/" + id);
        String grant = read.body().path("grant").path("token").asString();
        assertThat(grant).isNotEmpty();
        String claim = "{\"grant\": \"" + grant + "\"}";
        assertThat(server.post("bob", "/v1/actions/" + id + "/claim", claim).status()).isEqualTo(200);
        TestServer.Answer again = server.post("bob", "/v1/actions/" + id + "/claim", claim);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("grant_used");

        // Bob, who asked, may not review it afterwards: refused, and on record.
        TestServer.Answer own = reviewAfterwards("bob", id, "upheld", null);
        assertThat(own.status()).isEqualTo(403);
        assertThat(own.error()).isEqualTo("self_review");

        // Alice could have approved it: she finds it to review; carol, who broke the glass, and bob, who asked, do not.
        assertThat(server.get("alice", "/v1/actions?break_glass=unreviewed").ids()).containsExactly(id);
        assertThat(server.get("bob", "/v1/actions?break_glass=unreviewed").ids()).isEmpty();
        assertThat(server.get("carol", "/v1/actions?break_glass=unreviewed").ids()).isEmpty();
        assertThat(server.get("agent", "/v1/actions?break_glass=unreviewed").ids()).isEmpty();

        TestServer.Answer withoutWhy = reviewAfterwards("alice", id, "disputed", null);
        assertThat(withoutWhy.status()).isEqualTo(422);
        assertThat(withoutWhy.body().path("error").path("field").asString()).isEqualTo("comment");
        TestServer.Answer disputed = reviewAfterwards("alice", id, "disputed", "the legal deadline was next week");
        assertThat(disputed.status()).as(disputed.body().toString()).isEqualTo(200);
        assertThat(disputed.body().path("status").asString()).isEqualTo("executed");
        assertThat(disputed.body().path("break_glass").path("review").path("status").asString()).isEqualTo("disputed");
        assertThat(disputed.body().path("break_glass").path("review").path("by").asString()).isEqualTo("alice");
        TestServer.Answer second = reviewAfterwards("carol", id, "upheld", null);
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.error()).isEqualTo("already_reviewed");
        assertThat(server.get("alice", "/v1/actions?break_glass=unreviewed").ids()).isEmpty();

        List<JsonNode> entries = server.auditEntries(id);
        assertThat(entries).extracting(e -> e.path("type").asString()).containsExactly("action.requested", "action.decided",
                "action.break_glass", "action.approved", "execution.started", "grant.refused", "attempt.refused", "break_glass.reviewed",
                "attempt.refused");
        JsonNode logged = entries.get(2);
        assertThat(logged.path("actor").asString()).isEqualTo("carol");
        assertThat(logged.path("detail").path("justification").asString()).isEqualTo(WHY);
        assertThat(entries.get(6).path("actor").asString()).isEqualTo("bob");
        assertThat(entries.get(6).path("detail").path("reason").asString()).isEqualTo("self_review");
        assertThat(entries.get(6).path("detail").path("attempt").asString()).isEqualTo("break_glass_review");
        assertThat(entries.get(7).path("detail").path("verdict").asString()).isEqualTo("disputed");
        assertThat(entries.get(8).path("detail").path("reason").asString()).isEqualTo("already_reviewed");
    }

    @Test
    void nobodyBreaksGlassOnARequestTheyAreBehind() {
        // carol owns the demo agent: its request is hers to answer for, not to wave through.
        TestServer.Answer agents = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod", ""));
        TestServer.Answer own = breakGlass("carol", agents.id(), WHY);
        assertThat(own.status()).isEqualTo(403);
        assertThat(own.error()).isEqualTo("self_break_glass");
        assertThat(own.body().path("error").path("message").asString()).contains("owner carol");
        // Nor on her own request, nor on one made on her behalf.
        TestServer.Answer hers = server.post("carol", "/v1/actions", TestServer.request("db.migrate", "prod", ", \"payload\": {\"n\": 1}"));
        assertThat(breakGlass("carol", hers.id(), WHY).error()).isEqualTo("self_break_glass");
        TestServer.Answer forHer = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod",
                ", \"payload\": {\"n\": 2}, \"context\": {\"on_behalf_of\": \"Carol@Example.com\"}"));
        assertThat(breakGlass("carol", forHer.id(), WHY).error()).isEqualTo("self_break_glass");

        for (String id : List.of(agents.id(), hers.id(), forHer.id())) {
            assertThat(server.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("pending");
            List<JsonNode> entries = server.auditEntries(id);
            assertThat(entries).extracting(e -> e.path("type").asString()).doesNotContain("action.break_glass", "action.approved");
        }
        // Each refusal is on record, once a minute per person and reason: the first here, the others counted.
        List<JsonNode> refused = server.auditEntries(agents.id()).stream().filter(e -> e.path("type").asString().equals("attempt.refused")).toList();
        assertThat(refused).singleElement().satisfies(e -> {
            assertThat(e.path("actor").asString()).isEqualTo("carol");
            assertThat(e.path("detail").path("attempt").asString()).isEqualTo("break_glass");
            assertThat(e.path("detail").path("reason").asString()).isEqualTo("self_break_glass");
        });
    }

    @Test
    void aRuleThatSaysBreakGlassFalseHoldsAgainstEveryAdmin() {
        // carol is behind nothing here (bob asks); the example's PII rule forbids break-glass all the same.
        TestServer.Answer byBob = server.post("bob", "/v1/actions", TestServer.piiExport("OPS-43"));
        TestServer.Answer forbidden = breakGlass("carol", byBob.id(), WHY);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.error()).isEqualTo("break_glass_forbidden");
        assertThat(forbidden.body().path("error").path("message").asString()).contains("prod-pii-export");
        assertThat(server.get("alice", "/v1/actions/" + byBob.id()).body().path("status").asString()).isEqualTo("pending");
    }

    @Test
    void nobodyElseBreaksGlassAndAnAdminOnlyWithAJustificationAndNothingChangesWhenRefused() {
        String id = held();
        TestServer.Answer alice = breakGlass("alice", id, WHY);
        assertThat(alice.status()).isEqualTo(403);
        assertThat(alice.error()).isEqualTo("not_admin");
        assertThat(breakGlass("agent", id, WHY).error()).as("the agent cannot even see bob's request").isEqualTo("not_found");

        TestServer.Answer terse = breakGlass("carol", id, "urgent");
        assertThat(terse.status()).isEqualTo(422);
        assertThat(terse.error()).isEqualTo("justification_required");
        assertThat(terse.body().path("error").path("field").asString()).isEqualTo("justification");
        TestServer.Answer missing = server.post("carol", "/v1/actions/" + id + "/break-glass", "{}");
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().path("error").path("field").asString()).isEqualTo("justification");
        TestServer.Answer extra = server.post("carol", "/v1/actions/" + id + "/break-glass", "{\"justification\": \"" + WHY + "\", \"force\": true}");
        assertThat(extra.status()).isEqualTo(400);

        TestServer.Answer unchanged = server.get("alice", "/v1/actions/" + id);
        assertThat(unchanged.body().path("status").asString()).isEqualTo("pending");
        assertThat(unchanged.body().has("break_glass")).isFalse();
        // Nothing changed; the refused attempts are on record (alice's, and carol's terse one).
        assertThat(server.auditEntries(id)).extracting(e -> e.path("type").asString())
                .containsExactly("action.requested", "action.decided", "attempt.refused", "attempt.refused");
        assertThat(reviewAfterwards("alice", id, "upheld", null).error()).isEqualTo("no_break_glass");
    }

    @Test
    void aDenialStandsAndACancelledRequestStaysCancelled() {
        String denied = held();
        assertThat(server.review("alice", denied, "deny", "no ticket context").status()).isEqualTo(200);
        TestServer.Answer onDenied = breakGlass("carol", denied, WHY);
        assertThat(onDenied.status()).isEqualTo(409);
        assertThat(onDenied.error()).isEqualTo("not_pending");

        TestServer.Answer forbidden = server.post("bob", "/v1/actions",
                "{\"action\": \"aws.iam.AttachRolePolicy\", \"resource\": {\"type\": \"aws.iam.role\", \"id\": \"ops\", \"env\": \"prod\"},"
                        + " \"intent\": {\"summary\": \"admin for the agent\"}, \"payload\": {\"PolicyArn\": \"arn:aws:iam::aws:policy/AdministratorAccess\"}}");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(breakGlass("carol", forbidden.id(), WHY).error()).isEqualTo("not_pending");

        String cancelled = held();
        assertThat(server.post("bob", "/v1/actions/" + cancelled + "/cancel", "{}").status()).isEqualTo(200);
        assertThat(breakGlass("carol", cancelled, WHY).error()).isEqualTo("not_pending");
    }
}
