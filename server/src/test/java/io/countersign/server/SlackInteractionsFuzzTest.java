package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.countersign.channels.slack.SlackSignature;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tools.jackson.databind.JsonNode;

/**
 * Slack's interactivity payloads under coverage-guided fuzzing (Jazzer), each signed correctly (so it gets
 * past the signature check to the parser, as a compromised workspace app or a bug in Slack could send
 * it): every one is answered without a server error, and the only reviews ever recorded are those of
 * mapped, eligible humans, whatever the payload claims. The checked-in inputs are real payloads with
 * {@code {{action}}} where the held request's id goes; CONTRIBUTING.md says how to fuzz for longer.
 */
class SlackInteractionsFuzzTest {
    private static Path config;
    private static FakeSlack slack;
    private static TestServer server;
    private static String actionId;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SlackSignature SIGNER = new SlackSignature(SlackTest.SIGNING_SECRET);

    @BeforeAll
    static void start() throws IOException {
        config = Files.createTempDirectory("countersign-slack-fuzz");
        slack = new FakeSlack();
        slack.configure(config, Map.of("slack-bot-token", FakeSlack.TOKEN, "slack-signing-secret", SlackTest.SIGNING_SECRET), """
                bot_token: ${file:secrets/slack-bot-token}
                signing_secret: ${file:secrets/slack-signing-secret}""");
        Files.writeString(config.resolve("policies/slack.yaml"), SlackTest.POLICY);
        server = TestServer.start(config);
        actionId = server.post("agent", "/v1/actions", """
                {"action": "slack.deploy", "resource": {"type": "service", "id": "checkout", "env": "prod"},
                 "intent": {"summary": "deploy"}, "payload": {"version": "1.2.3"}}""").id();
    }

    @AfterAll
    static void stop() {
        server.close();
        slack.close();
    }

    @FuzzTest(maxDuration = "10m")
    void interactions(byte[] input) throws Exception {
        String payload = new String(input, StandardCharsets.UTF_8).replace("{{action}}", actionId);
        byte[] body = ("payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(Instant.now().getEpochSecond());
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(server.uri("/v1/channels/slack/interactions"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", ts).header("X-Slack-Signature", SIGNER.sign(ts, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("answer to %s: %s", payload, answer.body()).isLessThan(500);
        assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ");
        JsonNode record = server.get("alice", "/v1/actions/" + actionId).body();
        for (JsonNode review : record.path("reviews")) {
            assertThat(review.path("reviewer").asString()).as("a review recorded from a mutated payload").isIn("alice", "bob");
        }
    }
}
