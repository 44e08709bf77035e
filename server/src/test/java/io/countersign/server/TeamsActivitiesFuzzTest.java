package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.countersign.json.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tools.jackson.databind.JsonNode;

/**
 * Teams invokes under coverage-guided fuzzing (Jazzer), each sent with a valid Bot Connector token (so it
 * reaches the activity's parser, as a buggy or compromised channel could send it): every one is answered
 * without a server error, and the only reviews ever recorded are those of mapped, eligible humans. The
 * checked-in inputs are real invokes with placeholders: {@code {{id}}} becomes a fresh activity id (a
 * repeated one is refused as a replay before it is read), {@code {{action}}} the held request's id, and
 * {@code {{serviceUrl}}} and {@code {{timestamp}}} what the connector would send.
 */
class TeamsActivitiesFuzzTest {
    private static FakeTeams teams;
    private static TestServer server;
    private static String actionId;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path config = Files.createTempDirectory("countersign-teams-fuzz");
        teams = new FakeTeams();
        teams.configure(config);
        Files.writeString(config.resolve("policies/teams.yaml"), TeamsTest.POLICY);
        server = TestServer.start(config);
        actionId = server.post("agent", "/v1/actions", """
                {"action": "teams.deploy", "resource": {"type": "k8s.deployment", "id": "payments/api", "env": "dev"},
                 "intent": {"summary": "deploy"}, "payload": {"image": "api:1.2"}}""").id();
    }

    @AfterAll
    static void stop() {
        server.close();
        teams.close();
    }

    @FuzzTest(maxDuration = "10m")
    void invokes(byte[] input) throws Exception {
        String activity = new String(input, StandardCharsets.UTF_8).replace("{{id}}", "f:" + UUID.randomUUID())
                .replace("{{action}}", actionId).replace("{{serviceUrl}}", teams.serviceUrl())
                .replace("{{timestamp}}", Instant.now().toString());
        // The token the connector sends names its own serviceUrl, whatever the activity says.
        String token = FakeTeams.token(teams.key, teams.claims(Json.object().put("serviceUrl", teams.serviceUrl())).build());
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(server.uri("/v1/channels/teams/messages"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(activity)).build(), HttpResponse.BodyHandlers.ofString());
        // 501 is the Bot Framework's own answer to an invoke a bot does not handle: a refusal, not a failure.
        boolean notHandled = answer.statusCode() == 501 && answer.body().contains("\"code\":\"unsupported_invoke\"");
        assertThat(answer.statusCode() < 500 || notHandled).as("answer to %s: %d %s", activity, answer.statusCode(), answer.body()).isTrue();
        assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ");
        JsonNode record = server.get("alice", "/v1/actions/" + actionId).body();
        for (JsonNode review : record.path("reviews")) {
            assertThat(review.path("reviewer").asString()).as("a review recorded from a mutated activity").isIn("alice", "bob");
        }
    }
}
