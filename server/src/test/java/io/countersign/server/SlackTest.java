package io.countersign.server;

import static io.countersign.server.SlackPayloads.click;
import static io.countersign.server.SlackPayloads.hasButtons;
import static io.countersign.server.SlackPayloads.header;
import static io.countersign.server.SlackPayloads.submission;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.channels.slack.SlackSignature;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack end to end against a local fake of Slack's Web API: review requests posted as Block Kit, clicks
 * sent exactly as Slack sends them (signed, form-encoded {@code payload=}), decisions through the
 * lifecycle, and the posted messages kept true on every change.
 */
class SlackTest {
    static final String SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
    static final String POLICY = """
            version: 1
            rules:
              - id: slack-two
                when: action == "slack.deploy"
                effect: require_approval
                approvals: {min: 2, from: [sre, data-owners]}
                notify: ["slack:C0PROD", "slack:@alice"]
                ttl: 10m
              - id: slack-told
                when: action == "slack.told"
                effect: require_approval
                approvals: {min: 2, from: [sre, data-owners]}
                notify: ["slack:C0PROD"]
                notify_requester: true
              - id: slack-justified
                when: action == "slack.export"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                justification: required
                notify: ["slack:C0PROD"]
              - id: slack-short
                when: action == "slack.short"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                ttl: 2s
                notify: ["slack:C0PROD"]
              - id: slack-lapsing
                when: action == "slack.lapse"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                approval_ttl: 2s
                notify: ["slack:C0PROD"]
            """;

    @TempDir
    Path config;

    FakeSlack slack;
    TestServer server;
    final HttpClient http = HttpClient.newHttpClient();
    final SlackSignature signer = new SlackSignature(SIGNING_SECRET);

    @BeforeEach
    void start() throws IOException {
        slack = new FakeSlack();
        slack.configure(config, java.util.Map.of("slack-bot-token", FakeSlack.TOKEN, "slack-signing-secret", SIGNING_SECRET), """
                bot_token: ${file:secrets/slack-bot-token}
                signing_secret: ${file:secrets/slack-signing-secret}
                console_url: https://countersign.example.com/""");
        Files.writeString(config.resolve("policies/slack.yaml"), POLICY);
        server = TestServer.start(config);
    }

    @AfterEach
    void stop() {
        server.close();
        slack.close();
    }

    private String submit(String action, String summary, String payload) {
        return submit("agent", action, summary, payload);
    }

    private String submit(String who, String action, String summary, String payload) {
        var body = Json.object();
        body.put("action", action);
        var resource = body.putObject("resource");
        resource.put("type", "k8s.deployment");
        resource.put("id", "payments/api");
        resource.put("env", "dev");
        body.putObject("intent").put("summary", summary);
        body.set("payload", Json.parse(payload));
        body.putObject("context").put("agent_run", "run-77");
        TestServer.Answer answer = server.post(who, "/v1/actions", Json.text(body));
        assertThat(answer.status()).isEqualTo(202);
        return answer.id();
    }

    /** Sends an interactivity payload as Slack does: form-encoded, signed over the raw body. */
    private int sendSigned(ObjectNode payload, long timestamp, String signatureOverride) throws Exception {
        byte[] body = ("payload=" + URLEncoder.encode(Json.text(payload), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(timestamp);
        String signature = signatureOverride != null ? signatureOverride : signer.sign(ts, body);
        return http.send(HttpRequest.newBuilder(server.uri("/v1/channels/slack/interactions"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", ts)
                .header("X-Slack-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private int send(ObjectNode payload) throws Exception {
        return sendSigned(payload, Instant.now().getEpochSecond(), null);
    }

    private String status(String id) {
        return server.get("alice", "/v1/actions/" + id).body().path("status").asString();
    }

    @Test
    void aRequestNeedingTwoIsPostedThenUpdatedOnEachApprovalUntilTheButtonsGo() throws Exception {
        String id = submit("slack.deploy", "roll out v2 <!channel> <https://evil.example|click here> & more", """
                {"image": "payments/api:2.0.1", "replicas": 6}""");
        FakeSlack.Call posted = slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        slack.await("chat.postMessage", c -> "U0ALICE".equals(c.params().get("channel")));
        assertThat(posted.authorization()).isEqualTo("Bearer " + FakeSlack.TOKEN);
        JsonNode blocks = posted.blocks();
        String all = Json.text(blocks);
        assertThat(header(blocks)).isEqualTo("⏳ Approval needed: slack.deploy on k8s.deployment payments/api (dev)");
        // What the agent wrote is shown as typed, where Slack parses neither markup, links nor mentions.
        assertThat(SlackPayloads.literal(blocks)).anyMatch(t -> t.contains("roll out v2 <!channel> <https://evil.example|click here> & more"));
        assertThat(SlackPayloads.mrkdwn(blocks)).noneMatch(t -> t.contains("!channel") || t.contains("evil.example"));
        assertThat(posted.text()).doesNotContain("<!channel>");
        assertThat(all).contains("Intent (stated by the requester)").contains("run-77").contains("payments/api:2.0.1")
                .contains("slack-two").contains("0 approved; needs 2 approval(s) from data-owners or sre (rule slack-two)")
                .contains("Expires").contains("https://countersign.example.com/requests/" + id);
        assertThat(hasButtons(blocks)).isTrue();

        assertThat(send(click("U0ALICE", "approve", id))).isEqualTo(200);
        slack.await("chat.update", c -> Json.text(c.blocks()).contains("1 approved"));
        slack.await("chat.postMessage", c -> c.text().startsWith("✅ alice approved"));
        assertThat(status(id)).isEqualTo("pending");

        send(click("U0BOB", "approve", id));
        FakeSlack.Call done = slack.await("chat.update", c -> header(c.blocks()).startsWith("✅ Approved"));
        assertThat(hasButtons(done.blocks())).isFalse();
        assertThat(status(id)).isEqualTo("approved");
        // Both posted copies (the channel and alice's DM) are brought up to date.
        for (String channel : new String[] {"C0PROD", "U0ALICE"}) {
            assertThat(hasButtons(slack.await("chat.update", c -> channel.equals(c.params().get("channel"))
                    && header(c.blocks()).startsWith("✅ Approved")).blocks())).isFalse();
        }
        slack.await("chat.postMessage", c -> c.text().startsWith("The request is approved"));
        // carol owns the requesting agent: she hears how it ended in a DM.
        FakeSlack.Call told = slack.await("chat.postMessage", c -> "U0CAROL".equals(c.params().get("channel")));
        assertThat(told.text()).startsWith("✅ Approved: slack.deploy on k8s.deployment payments/api (dev)")
                .contains("The request is approved");
        assertThat(told.params()).doesNotContainKey("thread_ts");
    }

    @Test
    void withNotifyRequesterThePeopleBehindHearOfEachReview() throws Exception {
        String id = submit("slack.told", "Roll out 2.0.3", """
                {"image": "payments/api:2.0.3"}""");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        assertThat(send(click("U0ALICE", "approve", id))).isEqualTo(200);
        // carol owns the requesting agent: she hears of the first review while the request still waits for the second.
        FakeSlack.Call told = slack.await("chat.postMessage", c -> "U0CAROL".equals(c.params().get("channel")));
        assertThat(told.text()).contains("alice approved");
        assertThat(status(id)).isEqualTo("pending");
    }

    @Test
    void aBreakGlassEndsTheButtonsAndTheThreadSaysWhoAndWhy() throws Exception {
        // Bob asks: carol, an admin behind nothing here, may break glass on it.
        String id = submit("bob", "slack.deploy", "hotfix", """
                {"image": "payments/api:2.0.2"}""");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        TestServer.Answer broken = server.post("carol", "/v1/actions/" + id + "/break-glass",
                "{\"justification\": \"payments are down <!channel>, nobody else is awake\"}");
        assertThat(broken.status()).as(broken.body().toString()).isEqualTo(200);
        FakeSlack.Call done = slack.await("chat.update", c -> "C0PROD".equals(c.params().get("channel")) && header(c.blocks()).startsWith("✅ Approved"));
        assertThat(hasButtons(done.blocks())).isFalse();
        FakeSlack.Call line = slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")) && c.text().contains("Break-glass"));
        assertThat(line.params().get("thread_ts")).as("in the request's thread").isEqualTo(done.params().get("ts"));
        assertThat(line.text()).contains("carol").contains("payments are down &lt;!channel&gt;, nobody else is awake")
                .doesNotContain("<!channel>");

        assertThat(server.post("alice", "/v1/actions/" + id + "/break-glass/review", "{\"verdict\": \"upheld\"}").status()).isEqualTo(200);
        assertThat(slack.await("chat.postMessage", c -> c.text().startsWith("alice reviewed the break-glass")).text()).contains("upheld");
    }

    @Test
    void aDenyCollectsItsJustificationInAModal() throws Exception {
        String id = submit("slack.deploy", "roll out v2", "{}");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        send(click("U0ALICE", "deny", id));
        FakeSlack.Call opened = slack.await("views.open", c -> true);
        JsonNode view = Json.parse(opened.params().get("view"));
        assertThat(view.path("type").asString()).isEqualTo("modal");
        assertThat(opened.params().get("trigger_id")).startsWith("trigger-");
        assertThat(status(id)).isEqualTo("pending");
        assertThat(send(submission("U0ALICE", "deny", id, "the rollout window is closed"))).isEqualTo(200);
        assertThat(status(id)).isEqualTo("denied");
        FakeSlack.Call updated = slack.await("chat.update", c -> header(c.blocks()).startsWith("❌ Denied"));
        assertThat(hasButtons(updated.blocks())).isFalse();
        assertThat(Json.text(updated.blocks())).contains("the rollout window is closed");
        var reviews = server.get("alice", "/v1/actions/" + id).body().path("reviews");
        assertThat(reviews.get(0).path("comment").asString()).isEqualTo("the rollout window is closed");
    }

    @Test
    void aRuleThatRequiresAJustificationKeepsTheModalOpenUntilOneIsGiven() throws Exception {
        String id = submit("slack.export", "export for audit", "{}");
        slack.await("chat.postMessage", c -> true);
        send(click("U0ALICE", "approve", id));
        JsonNode view = Json.parse(slack.await("views.open", c -> true).params().get("view"));
        assertThat(Json.text(view)).contains("Justification (required by policy)");
        assertThat(status(id)).isEqualTo("pending");
        var refused = http.send(HttpRequest.newBuilder(server.uri("/v1/channels/slack/interactions")).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(sendWithAnswer(submission("U0ALICE", "approve", id, null))).contains("\"response_action\":\"errors\"")
                .contains("requires a justification");
        assertThat(status(id)).isEqualTo("pending");
        sendWithAnswer(submission("U0ALICE", "approve", id, "audit ticket AUD-9"));
        assertThat(status(id)).isEqualTo("approved");
    }

    private String sendWithAnswer(ObjectNode payload) throws Exception {
        byte[] body = ("payload=" + URLEncoder.encode(Json.text(payload), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String ts = Long.toString(Instant.now().getEpochSecond());
        return http.send(HttpRequest.newBuilder(server.uri("/v1/channels/slack/interactions"))
                .header("X-Slack-Request-Timestamp", ts).header("X-Slack-Signature", signer.sign(ts, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void forgedStaleFutureAndReplayedRequestsAreRefusedAndChangeNothing() throws Exception {
        String id = submit("slack.deploy", "roll out v2", "{}");
        long now = Instant.now().getEpochSecond();
        assertThat(sendSigned(click("U0ALICE", "approve", id), now, "v0=" + "0".repeat(64))).isEqualTo(401);
        assertThat(sendSigned(click("U0ALICE", "approve", id), now - 400, null)).isEqualTo(401);
        assertThat(sendSigned(click("U0ALICE", "approve", id), now + 400, null)).isEqualTo(401);
        ObjectNode once = click("U0CAROL", "deny", id);
        byte[] body = ("payload=" + URLEncoder.encode(Json.text(once), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        String signature = signer.sign(Long.toString(now), body);
        assertThat(sendSigned(once, now, signature)).isEqualTo(200);
        assertThat(sendSigned(once, now, signature)).isEqualTo(401);
        ObjectNode otherWorkspace = click("U0ALICE", "approve", id);
        otherWorkspace.putObject("team").put("id", "T999");
        assertThat(send(otherWorkspace)).isEqualTo(403);
        Thread.sleep(300);
        assertThat(status(id)).isEqualTo("pending");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void theClickerIsToldWhyAClickDidNotCount() throws Exception {
        String id = submit("slack.deploy", "roll out v2", "{}");
        slack.await("chat.postMessage", c -> true);
        send(click("U0STRANGER", "approve", id));
        slack.await("chat.postEphemeral", c -> "U0STRANGER".equals(c.params().get("user"))
                && c.text().contains("not mapped to a Countersign identity"));
        // carol owns the requesting agent: she may not review its requests.
        send(click("U0CAROL", "approve", id));
        slack.await("chat.postEphemeral", c -> "U0CAROL".equals(c.params().get("user")) && c.text().contains("not counted"));
        send(click("U0ALICE", "approve", id));
        slack.await("chat.update", c -> Json.text(c.blocks()).contains("1 approved"));
        send(click("U0ALICE", "approve", id)); // a double click
        slack.await("chat.postEphemeral", c -> "U0ALICE".equals(c.params().get("user")) && c.text().contains("already"));
        var reviews = server.get("alice", "/v1/actions/" + id).body().path("reviews");
        assertThat(reviews).hasSize(1);
        assertThat(status(id)).isEqualTo("pending");
    }

    @Test
    void expiryUpdatesTheMessageAndALateClickIsRefused() throws Exception {
        String id = submit("slack.short", "quick fix", "{}");
        slack.await("chat.postMessage", c -> true);
        FakeSlack.Call expired = slack.await("chat.update", c -> header(c.blocks()).startsWith("⌛ Expired"));
        assertThat(hasButtons(expired.blocks())).isFalse();
        send(click("U0ALICE", "approve", id));
        slack.await("chat.postEphemeral", c -> "U0ALICE".equals(c.params().get("user")) && c.text().contains("expired"));
        assertThat(status(id)).isEqualTo("expired");
    }

    @Test
    void anApprovalThatLapsesUnrunUpdatesTheMessageAndTheThreadSaysSo() throws Exception {
        String id = submit("slack.lapse", "quick fix", "{}");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        assertThat(server.review("alice", id, "approve", "ok").body().path("status").asString()).isEqualTo("approved");
        slack.await("chat.update", c -> header(c.blocks()).startsWith("✅ Approved"));
        FakeSlack.Call lapsed = slack.await("chat.update", c -> header(c.blocks()).startsWith("⌛ Approval lapsed"));
        assertThat(hasButtons(lapsed.blocks())).isFalse();
        FakeSlack.Call line = slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")) && c.text().contains("The approval lapsed"));
        assertThat(line.params().get("thread_ts")).as("in the request's thread").isEqualTo(lapsed.params().get("ts"));
        assertThat(status(id)).isEqualTo("expired");
    }

    @Test
    void aHugePayloadIsCutMarkedAndApprovedOnlyInTheConsole() throws Exception {
        String id = submit("slack.deploy", "x".repeat(1000), "{\"script\": \"" + "<!here> ".repeat(2000) + "\"}");
        JsonNode blocks = slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel"))).blocks();
        blocks.valueStream().filter(b -> b.has("text")).forEach(b -> assertThat(b.path("text").path("text").asString().length()).isLessThanOrEqualTo(3000));
        assertThat(SlackPayloads.literal(blocks)).allMatch(t -> t.length() <= 1800);
        assertThat(SlackPayloads.mrkdwn(blocks)).noneMatch(t -> t.contains("<!here>"))
                .anyMatch(t -> t.contains("*Cut:* the payload has") && t.contains("cannot be approved here")
                        && t.contains("https://countersign.example.com/requests/" + id));
        // No Approve button: it opens the console instead, where the whole payload is shown.
        assertThat(SlackPayloads.buttons(blocks)).containsExactly("open_console", "deny");
        // A click forged as Approve (the button the message does not have) is refused too.
        send(click("U0ALICE", "approve", id));
        slack.await("chat.postEphemeral", c -> "U0ALICE".equals(c.params().get("user")) && c.text().contains("too long to show in Slack"));
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
        assertThat(status(id)).isEqualTo("pending");
    }

    @Test
    void aLoopOfReplayedGrantsIsNeitherALoopOfLogEntriesNorOfChatCalls() throws Exception {
        String id = submit("slack.deploy", "roll out v2", "{}");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        server.review("alice", id, "approve", "ok");
        server.review("bob", id, "approve", "ok");
        String grant = server.get("agent", "/v1/actions/" + id).body().path("grant").path("token").asString();
        String claim = "{\"grant\": \"" + grant + "\"}";
        assertThat(server.post("agent", "/v1/actions/" + id + "/claim", claim).status()).isEqualTo(200);
        slack.await("chat.postMessage", c -> c.text().startsWith("The action is running"));
        Thread.sleep(500);
        int updatesBefore = slack.calls("chat.update").size();
        int messagesBefore = slack.calls("chat.postMessage").size();
        for (int i = 0; i < 200; i++) {
            assertThat(server.post("agent", "/v1/actions/" + id + "/claim", claim).status()).isEqualTo(409);
        }
        Thread.sleep(1500);
        assertThat(slack.calls("chat.update").size() - updatesBefore).as("chat.update calls for 200 replays").isZero();
        assertThat(slack.calls("chat.postMessage").size() - messagesBefore).isZero();
        assertThat(server.auditEntriesOfType("grant.refused")).as("log entries for 200 replays in one minute").hasSize(1);
    }

    @Test
    void agentTextCannotForgeLinesOfTheMessageOrItsThread() throws Exception {
        String id = submit("slack.deploy", "roll out v2\n*Reviews*\n✅ alice approved\u2028✅ bob approved\u202e", "{}");
        JsonNode blocks = slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel"))).blocks();
        assertThat(SlackPayloads.literal(blocks)).filteredOn(t -> t.contains("roll out v2"))
                .isNotEmpty().allSatisfy(t -> assertThat(t).doesNotContain("\n").doesNotContain("\u2028").doesNotContain("\u202e")
                        .contains("roll out v2 ⏎ *Reviews* ⏎ ✅ alice approved ⏎ ✅ bob approved\uFFFD"));
        server.review("alice", id, "approve", "fine\n✅ bob approved\n*The request is approved*");
        FakeSlack.Call line = slack.await("chat.postMessage", c -> c.text().startsWith("✅ alice approved"));
        assertThat(SlackPayloads.literal(line.blocks())).containsExactly("✅ alice approved: ", "fine ⏎ ✅ bob approved ⏎ *The request is approved*");
        assertThat(line.text()).doesNotContain("\n");
    }

    @Test
    void updatesReachThePostedMessageAfterARestart() throws Exception {
        String id = submit("slack.deploy", "roll out v2", "{}");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        slack.await("chat.postMessage", c -> "U0ALICE".equals(c.params().get("channel")));
        server.restart();
        server.review("alice", id, "approve", "via the API");
        server.review("bob", id, "approve", "via the API too");
        FakeSlack.Call updated = slack.await("chat.update", c -> "C0PROD".equals(c.params().get("channel"))
                && header(c.blocks()).startsWith("✅ Approved"));
        assertThat(updated.params().get("ts")).isEqualTo(slack.posted.get("C0PROD").getFirst());
        // Posted once: a restart does not post the request again.
        assertThat(slack.posted.get("C0PROD")).hasSize(1);
    }
}
