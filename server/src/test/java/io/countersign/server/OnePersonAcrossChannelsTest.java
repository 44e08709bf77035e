package io.countersign.server;

import static io.countersign.server.SlackPayloads.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.channels.slack.SlackSignature;
import io.countersign.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One person is one reviewer, whichever way they come: the same human approving one request through the API,
 * Slack, Teams and the console counts once (the others are refused as already reviewed), and a human's own
 * request is refused as a self-review on every channel. Slack and Teams are their loopback fakes, driven with
 * signed clicks exactly as their platforms send them; the console is driven over HTTP as a browser does.
 */
class OnePersonAcrossChannelsTest {
    private static final String SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @TempDir
    Path config;

    FakeSlack slack;
    FakeTeams teams;
    TestServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        slack = new FakeSlack();
        slack.configure(config, Map.of("slack-bot-token", FakeSlack.TOKEN, "slack-signing-secret", SIGNING_SECRET), """
                bot_token: ${file:secrets/slack-bot-token}
                signing_secret: ${file:secrets/slack-signing-secret}""");
        teams = new FakeTeams();
        teams.configure(config);
        Files.writeString(config.resolve("policies/people.yaml"), """
                version: 1
                rules:
                  - id: people-two
                    when: action == "people.deploy"
                    effect: require_approval
                    approvals: {min: 2, from: [sre, data-owners]}
                    notify: ["slack:C0PROD", "teams:ops"]
                """);
        server = TestServer.start(config);
    }

    @AfterEach
    void stop() {
        server.close();
        slack.close();
        teams.close();
    }

    private String submit(String who) {
        TestServer.Answer answer = server.post(who, "/v1/actions", """
                {"action": "people.deploy", "resource": {"type": "k8s.deployment", "id": "payments/api", "env": "dev"},
                 "intent": {"summary": "roll out v2"}, "payload": {"image": "payments/api:2"}}""");
        assertThat(answer.status()).isEqualTo(202);
        // Wait until both channels have the request, so that clicks come as reviewers would send them.
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")) && Json.text(c.blocks()).contains(answer.id()));
        teams.await("POST", "/connector/v3/conversations/", c -> c.body().contains(answer.id()));
        return answer.id();
    }

    private void slackClick(String user, String id) throws Exception {
        ObjectNode payload = click(user, "approve", id);
        byte[] body = ("payload=" + URLEncoder.encode(Json.text(payload), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(Instant.now().getEpochSecond());
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.uri("/v1/channels/slack/interactions"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", ts)
                .header("X-Slack-Signature", new SlackSignature(SIGNING_SECRET).sign(ts, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    private String teamsClick(String aadObjectId, String id) throws Exception {
        ObjectNode activity = teams.invoke(aadObjectId, "approve", id, null);
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(server.uri("/v1/channels/teams/messages"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + teams.token(activity))
                .POST(HttpRequest.BodyPublishers.ofString(Json.text(activity))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        return Json.parse(answer.body()).path("value").asString();
    }

    /** Signs {@code who} in to the console with the demo sign-in, approves {@code id} there, and returns the page's answer. */
    private HttpResponse<String> consoleApprove(String who, String id) throws Exception {
        String session = server.consoleSignIn(who);
        String page = http.send(HttpRequest.newBuilder(server.uri("/requests/" + id)).header("Cookie", session).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher token = CSRF.matcher(page);
        assertThat(token.find()).isTrue();
        return form("/requests/" + id + "/review", session, "decision=approve&_csrf=" + token.group(1));
    }

    private HttpResponse<String> form(String path, String cookie, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri(path)).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode reviews(String id) {
        return server.get("alice", "/v1/actions/" + id).body().path("reviews");
    }

    @Test
    void theSameHumanApprovingThroughEveryChannelCountsOnce() throws Exception {
        String id = submit("agent");
        assertThat(server.review("alice", id, "approve", "via the API").status()).isEqualTo(200);

        slackClick("U0ALICE", id);
        slack.await("chat.postEphemeral", c -> "U0ALICE".equals(c.params().get("user")) && c.text().contains("already"));
        assertThat(teamsClick(FakeTeams.ALICE, id)).contains("already reviewed");
        HttpResponse<String> console = consoleApprove("alice", id);
        assertThat(console.statusCode()).isEqualTo(409);
        assertThat(console.body()).contains("Not counted").contains("already");

        assertThat(reviews(id)).hasSize(1);
        assertThat(reviews(id).get(0).path("reviewer").asString()).isEqualTo("alice");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("pending");
    }

    @Test
    void aHumansOwnRequestIsASelfReviewOnEveryChannel() throws Exception {
        String id = submit("bob");
        TestServer.Answer api = server.review("bob", id, "approve", "mine");
        assertThat(api.status()).isEqualTo(403);
        assertThat(api.error()).isEqualTo("self_review");

        slackClick("U0BOB", id);
        slack.await("chat.postEphemeral", c -> "U0BOB".equals(c.params().get("user")) && c.text().contains("not counted"));
        assertThat(teamsClick(FakeTeams.BOB, id)).contains("requester cannot review");
        HttpResponse<String> console = consoleApprove("bob", id);
        assertThat(console.statusCode()).isEqualTo(403);
        assertThat(console.body()).contains("Not counted").contains("requester cannot review");

        assertThat(reviews(id)).isEmpty();
        assertThat(server.auditEntriesOfType("attempt.refused")).extracting(e -> e.path("detail").path("reason").asString())
                .contains("self_review");
    }
}
