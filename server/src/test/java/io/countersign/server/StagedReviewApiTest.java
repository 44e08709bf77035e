package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** A request reviewed in two stages over the API: who is asked when, what the representation says, the log. */
class StagedReviewApiTest {
    @TempDir
    Path directory;
    private TestServer server;

    @BeforeEach
    void start() throws IOException {
        ConfigDirectory.ensureExample(directory);
        Files.writeString(directory.resolve("policies/stages.yaml"), """
                version: 1
                rules:
                  - id: owner-then-sre
                    when: action == "test.stages"
                    effect: require_approval
                    approvals:
                      - {min: 1, from: [data-owners]}
                      - {min: 1, from: [sre]}
                """);
        server = TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theSecondStageIsAskedOnlyOnceTheFirstIsMet() {
        TestServer.Answer held = server.post("agent", "/v1/actions", TestServer.request("test.stages", "dev", ", \"payload\": {\"n\": 1}"));
        assertThat(held.status()).isEqualTo(202);
        String id = held.id();
        JsonNode quorum = held.body().path("quorum");
        assertThat(quorum.path("stages").asInt()).isEqualTo(2);
        assertThat(quorum.path("open_stage").asInt()).isEqualTo(1);

        // The SRE is not asked yet: not in their inbox, and an approval now is refused saying why.
        assertThat(server.get("alice", "/v1/actions?status=pending&limit=10").ids()).doesNotContain(id);
        TestServer.Answer early = server.review("alice", id, "approve", "looks fine");
        assertThat(early.status()).isEqualTo(403);
        assertThat(early.body().path("error").path("message").asString()).contains("stage 1 of 2 is open, for data-owners");

        assertThat(server.get("bob", "/v1/actions?status=pending&limit=10").ids()).contains(id);
        TestServer.Answer first = server.review("bob", id, "approve", "the data may go");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().path("status").asString()).isEqualTo("pending");
        assertThat(first.body().path("quorum").path("open_stage").asInt()).isEqualTo(2);
        assertThat(first.body().path("quorum").path("requirements")).extracting(r -> r.path("stage").asInt() + ":" + r.path("approvals").asInt())
                .containsExactly("1:1", "2:0");

        assertThat(server.get("alice", "/v1/actions?status=pending&limit=10").ids()).contains(id);
        TestServer.Answer second = server.review("alice", id, "approve", "and it may run");
        assertThat(second.body().path("status").asString()).isEqualTo("approved");
        assertThat(second.body().path("quorum").has("open_stage")).isFalse();
        assertThat(second.body().path("quorum").path("met").asBoolean()).isTrue();

        assertThat(server.auditEntries(id)).extracting(e -> e.path("type").asString())
                .containsSubsequence("action.requested", "review.submitted", "review.submitted", "action.approved");
    }
}
