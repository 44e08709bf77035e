package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.identity.ApiKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import io.countersign.json.Json;

/**
 * A held request that waits: the node that leads reminds its stage and then escalates it to on-call, each
 * once and each in the log, on the node's clock (moved forward here), and an on-call human then approves.
 */
class RemindersApiTest {
    @TempDir
    Path directory;
    private CountersignServer node;
    private final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);
    private final HttpClient http = HttpClient.newHttpClient();
    private String olive;

    /** The system clock, moved forward by {@link #ahead}. */
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(ahead.get());
        }
    };

    @BeforeEach
    void start() throws IOException {
        ConfigDirectory.ensureExample(directory);
        olive = ApiKeys.generate();
        Path identities = directory.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities) + """
                  - id: olive
                    kind: human
                    name: Olive On-call
                    groups: [oncall]
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(olive)));
        // A resource the inventory knows, in an environment no example rule holds: only the rule below decides.
        Path resources = directory.resolve("resources.yaml");
        Files.writeString(resources, Files.readString(resources) + "  - {type: postgres.table, id: dev/*, env: dev}\n");
        Files.writeString(directory.resolve("policies/slow.yaml"), """
                version: 1
                rules:
                  - id: needs-an-sre
                    when: action == "test.slow"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                    ttl: 8h
                    remind_after: 30m
                    escalate_after: 2h
                    escalate_to: [oncall]
                """);
        node = CountersignServer.start(directory, "127.0.0.1", 0, clock);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    private JsonNode call(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return Json.parse(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private List<String> typesOf(String id) {
        return node.store().events(new io.countersign.model.ActionId(id)).stream().map(e -> e.type().wireName()).toList();
    }

    private void eventually(String id, String type) throws InterruptedException {
        for (int i = 0; i < 100 && !typesOf(id).contains(type); i++) {
            Thread.sleep(100);
        }
        assertThat(typesOf(id)).contains(type);
    }

    @Test
    void aWaitingRequestIsRemindedThenEscalatedAndTheEscalatedGroupApproves() throws Exception {
        String agent = ConfigDirectory.demoKey(directory, "COUNTERSIGN_AGENT_KEY");
        JsonNode held = call("POST", "/v1/actions", agent, TestServer.request("test.slow", "dev", ", \"payload\": {\"n\": 1}"));
        String id = held.path("id").asString();
        assertThat(held.path("status").asString()).isEqualTo("pending");
        assertThat(call("POST", "/v1/actions/" + id + "/reviews", olive, "{\"decision\": \"approve\"}").path("error").path("code").asString())
                .as("on-call may not review before the escalation").isEqualTo("not_eligible");

        ahead.set(Duration.ofMinutes(31));
        eventually(id, "review.reminded");
        assertThat(typesOf(id)).doesNotContain("review.escalated");
        ahead.set(Duration.ofMinutes(45));
        Thread.sleep(6_000);
        assertThat(typesOf(id).stream().filter("review.reminded"::equals).count()).as("reminded once").isEqualTo(1);

        ahead.set(Duration.ofMinutes(121));
        eventually(id, "review.escalated");
        JsonNode approved = call("POST", "/v1/actions/" + id + "/reviews", olive, "{\"decision\": \"approve\", \"comment\": \"on call\"}");
        assertThat(approved.path("status").asString()).isEqualTo("approved");
        assertThat(typesOf(id)).containsSubsequence("action.requested", "review.reminded", "review.escalated", "review.submitted", "action.approved");
    }
}
