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
 * Break-glass over the API, on the demo config: carol (an admin, and the agent's owner) lets the agent's
 * PII export run without its two approvals; alice and bob, who could have approved it, review it afterwards.
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

    private String held() {
        TestServer.Answer submitted = server.post("agent", "/v1/actions", TestServer.piiExport("OPS-42"));
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
        assertThat(broken.body().path("reviews")).isEmpty();
        JsonNode glass = broken.body().path("break_glass");
        assertThat(glass.path("by").asString()).isEqualTo("carol");
        assertThat(glass.path("justification").asString()).isEqualTo(WHY);
        assertThat(glass.path("review").path("status").asString()).isEqualTo("pending");

        // The agent runs it, once, with the grant it now reads.
        TestServer.Answer read = server.get("agent", "/v1/actions/" + id);
        String grant = read.body().path("grant").path("token").asString();
        assertThat(grant).isNotEmpty();
        String use = "{\"grant\": \"" + grant + "\", \"consume\": true}";
        assertThat(server.post("agent", "/v1/grants/verify", use).status()).isEqualTo(200);
        TestServer.Answer again = server.post("agent", "/v1/grants/verify", use);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).isEqualTo("grant_used");

        // Alice and bob could have approved it: both find it to review; carol, who broke the glass, does not.
        assertThat(server.get("alice", "/v1/actions?break_glass=unreviewed").ids()).containsExactly(id);
        assertThat(server.get("bob", "/v1/actions?break_glass=unreviewed").ids()).containsExactly(id);
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
        TestServer.Answer second = reviewAfterwards("bob", id, "upheld", null);
        assertThat(second.status()).isEqualTo(409);
        assertThat(second.error()).isEqualTo("already_reviewed");
        assertThat(server.get("bob", "/v1/actions?break_glass=unreviewed").ids()).isEmpty();

        List<JsonNode> entries = server.auditEntries(id);
        assertThat(entries).extracting(e -> e.path("type").asString()).containsExactly("action.requested", "action.decided",
                "action.break_glass", "action.approved", "action.executed", "grant.refused", "break_glass.reviewed");
        JsonNode logged = entries.get(2);
        assertThat(logged.path("actor").asString()).isEqualTo("carol");
        assertThat(logged.path("detail").path("justification").asString()).isEqualTo(WHY);
        assertThat(logged.path("detail").path("own_request").asBoolean()).as("carol owns the agent").isTrue();
        assertThat(entries.get(6).path("detail").path("verdict").asString()).isEqualTo("disputed");
    }

    @Test
    void nobodyElseBreaksGlassAndAnAdminOnlyWithAJustificationAndNothingChangesWhenRefused() {
        String id = held();
        TestServer.Answer alice = breakGlass("alice", id, WHY);
        assertThat(alice.status()).isEqualTo(403);
        assertThat(alice.error()).isEqualTo("not_admin");
        assertThat(breakGlass("agent", id, WHY).error()).isEqualTo("not_admin");

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
        assertThat(server.auditEntries(id)).extracting(e -> e.path("type").asString()).containsExactly("action.requested", "action.decided");
        assertThat(reviewAfterwards("alice", id, "upheld", null).error()).isEqualTo("no_break_glass");
    }

    @Test
    void aDenialStandsAndACancelledRequestStaysCancelled() {
        String denied = held();
        assertThat(server.review("alice", denied, "deny", "no ticket context").status()).isEqualTo(200);
        TestServer.Answer onDenied = breakGlass("carol", denied, WHY);
        assertThat(onDenied.status()).isEqualTo(409);
        assertThat(onDenied.error()).isEqualTo("not_pending");

        TestServer.Answer forbidden = server.post("agent", "/v1/actions",
                "{\"action\": \"aws.iam.attach_policy\", \"resource\": {\"type\": \"aws.iam.role\", \"id\": \"ops\", \"env\": \"prod\"},"
                        + " \"intent\": {\"summary\": \"admin for the agent\"}, \"payload\": {\"policy_arn\": \"arn:aws:iam::aws:policy/AdministratorAccess\"}}");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(breakGlass("carol", forbidden.id(), WHY).error()).isEqualTo("not_pending");

        String cancelled = held();
        assertThat(server.post("agent", "/v1/actions/" + cancelled + "/cancel", "{}").status()).isEqualTo(200);
        assertThat(breakGlass("carol", cancelled, WHY).error()).isEqualTo("not_pending");
    }
}
