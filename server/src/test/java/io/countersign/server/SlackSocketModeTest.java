package io.countersign.server;

import static io.countersign.server.SlackPayloads.click;
import static io.countersign.server.SlackPayloads.hasButtons;
import static io.countersign.server.SlackPayloads.header;
import static io.countersign.server.SlackPayloads.submission;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack over Socket Mode, for a Countersign that Slack cannot reach: Countersign opens the socket with
 * the app-level token, Slack's fake sends clicks down it as envelopes, and each is acknowledged once
 * and counted once. No signing secret is configured, so the HTTP request URL takes nothing.
 */
class SlackSocketModeTest {
    @TempDir
    Path config;

    FakeSlack slack;
    FakeSlackSocket socket;
    TestServer server;

    private void start(boolean slackAvailable) throws Exception {
        slack = new FakeSlack();
        socket = new FakeSlackSocket();
        slack.socket = socket;
        slack.socketUnavailable = !slackAvailable;
        slack.configure(config, Map.of("slack-bot-token", FakeSlack.TOKEN, "slack-app-token", FakeSlack.APP_TOKEN), """
                bot_token: ${file:secrets/slack-bot-token}
                app_token: ${file:secrets/slack-app-token}""");
        Files.writeString(config.resolve("policies/slack.yaml"), SlackTest.POLICY);
        server = TestServer.start(config);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (socket != null) {
            socket.close();
        }
        if (slack != null) {
            slack.close();
        }
    }

    private String submit(String action) {
        TestServer.Answer answer = server.post("agent", "/v1/actions", """
                {"action": "%s", "resource": {"type": "k8s.deployment", "id": "payments/api", "env": "dev"},
                 "intent": {"summary": "roll out v2"}, "payload": {"image": "payments/api:2.0.1"}}""".formatted(action));
        assertThat(answer.status()).isEqualTo(202);
        return answer.id();
    }

    private String status(String id) {
        return server.get("alice", "/v1/actions/" + id).body().path("status").asString();
    }

    @Test
    void clicksArriveOverTheSocketAreAcknowledgedAndCountOnce() throws Exception {
        start(true);
        socket.awaitConnections(1);
        String id = submit("slack.deploy");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));

        String envelope = socket.sendInteractive(click("U0ALICE", "approve", id));
        assertThat(socket.awaitAck(envelope).has("payload")).isFalse();
        slack.await("chat.update", c -> Json.text(c.blocks()).contains("1 approved"));
        // Slack sends an envelope again when it thinks the ack was lost: acked again, counted once.
        socket.sendInteractive(click("U0ALICE", "approve", id), envelope, 1);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (socket.acks(envelope) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(socket.acks(envelope)).isEqualTo(2);
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).hasSize(1);
        assertThat(slack.calls("chat.postEphemeral")).isEmpty();

        socket.awaitAck(socket.sendInteractive(click("U0BOB", "approve", id)));
        FakeSlack.Call done = slack.await("chat.update", c -> header(c.blocks()).startsWith("✅ Approved"));
        assertThat(hasButtons(done.blocks())).isFalse();
        assertThat(status(id)).isEqualTo("approved");

        // With no signing secret, the HTTP request URL takes no clicks at all.
        TestServer.Answer viaHttp = server.post("alice", "/v1/channels/slack/interactions", "payload=%7B%7D");
        assertThat(viaHttp.status()).isEqualTo(404);
        assertThat(viaHttp.body().path("error").path("message").asString()).contains("Socket Mode");
        // Only the app-level token was used to open the socket; the bot token for everything else.
        assertThat(slack.calls("apps.connections.open")).allMatch(c -> c.authorization().equals("Bearer " + FakeSlack.APP_TOKEN));
    }

    @Test
    void theModalsAnswerRidesOnTheAck() throws Exception {
        start(true);
        socket.awaitConnections(1);
        String id = submit("slack.export");
        slack.await("chat.postMessage", c -> true);
        socket.awaitAck(socket.sendInteractive(click("U0ALICE", "approve", id)));
        JsonNode view = Json.parse(slack.await("views.open", c -> true).params().get("view"));
        assertThat(Json.text(view)).contains("Justification (required by policy)");

        JsonNode refused = socket.awaitAck(socket.sendInteractive(submission("U0ALICE", "approve", id, null)));
        assertThat(refused.path("payload").path("response_action").asString()).isEqualTo("errors");
        assertThat(refused.path("payload").path("errors").path("justification").asString()).contains("requires a justification");
        assertThat(status(id)).isEqualTo("pending");

        JsonNode accepted = socket.awaitAck(socket.sendInteractive(submission("U0ALICE", "approve", id, "audit ticket AUD-9")));
        assertThat(accepted.has("payload")).isFalse();
        assertThat(status(id)).isEqualTo("approved");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews").get(0).path("comment").asString())
                .isEqualTo("audit ticket AUD-9");
    }

    @Test
    void aDisconnectMovesToAFreshSocketAndClicksKeepWorking() throws Exception {
        start(true);
        socket.awaitConnections(1);
        String id = submit("slack.deploy");
        slack.await("chat.postMessage", c -> "C0PROD".equals(c.params().get("channel")));
        socket.sendDisconnect();
        socket.awaitConnections(2);
        assertThat(slack.calls("apps.connections.open")).hasSizeGreaterThanOrEqualTo(2);
        socket.awaitAck(socket.sendInteractive(click("U0ALICE", "approve", id)));
        slack.await("chat.update", c -> Json.text(c.blocks()).contains("1 approved"));
    }

    @Test
    void aClickFromAnotherWorkspaceIsAcknowledgedButChangesNothing() throws Exception {
        start(true);
        socket.awaitConnections(1);
        String id = submit("slack.deploy");
        ObjectNode foreign = click("U0ALICE", "approve", id);
        foreign.putObject("team").put("id", "T999");
        socket.awaitAck(socket.sendInteractive(foreign));
        Thread.sleep(300);
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
        assertThat(status(id)).isEqualTo("pending");
    }

    @Test
    void countersignStartsWhileSlackIsDownAndConnectsWhenItIsBack() throws Exception {
        start(false);
        assertThat(server.get("alice", "/healthz").status()).isEqualTo(200);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (slack.calls("apps.connections.open").size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(slack.calls("apps.connections.open")).hasSizeGreaterThanOrEqualTo(2); // it kept trying
        assertThat(socket.connections.get()).isZero();
        slack.socketUnavailable = false;
        socket.awaitConnections(1);
        String id = submit("slack.deploy");
        socket.awaitAck(socket.sendInteractive(click("U0ALICE", "approve", id)));
        slack.await("chat.update", c -> Json.text(c.blocks()).contains("1 approved"));
    }
}
