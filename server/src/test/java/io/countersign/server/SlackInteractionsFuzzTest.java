package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.channels.slack.SlackSignature;
import io.countersign.json.Json;
import io.countersign.testing.Fuzzing;
import io.countersign.testing.Mutations;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * Slack's interactivity payloads, mutated and then signed correctly (so they get past the signature
 * check to the parser, as a compromised workspace app or a bug in Slack could send them): every one is
 * answered without a server error, and the only reviews ever recorded are those of mapped, eligible
 * humans, whatever the payload claims.
 */
class SlackInteractionsFuzzTest {
    private static Path config;
    private static FakeSlack slack;
    private static TestServer server;
    private static String actionId;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SlackSignature SIGNER = new SlackSignature(SlackTest.SIGNING_SECRET);

    @BeforeContainer
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

    @AfterContainer
    static void stop() {
        server.close();
        slack.close();
    }

    @Property(seed = Fuzzing.SEED)
    void mutatedInteractionsAreAnsweredWithoutAServerError(@ForAll("payloads") String payload) throws Exception {
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

    @Provide
    Arbitrary<String> payloads() {
        return Mutations.of(List.of(
                Json.text(SlackPayloads.click("U0ALICE", "approve", actionId)),
                Json.text(SlackPayloads.click("U0BOB", "deny", actionId)),
                Json.text(SlackPayloads.submission("U0BOB", "deny", actionId, "not now"))));
    }
}
