package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Teams end to end against a loopback fake of Microsoft's side ({@link FakeTeams}): review requests
 * sent as Adaptive Cards through the Bot Connector with a client-credentials token, clicks sent as
 * signed {@code adaptiveCard/action} invokes exactly as the connector sends them, decisions through
 * the lifecycle, cards replaced on every change, and every forged or misdirected activity refused.
 */
class TeamsTest {
    static final String POLICY = """
            version: 1
            rules:
              - id: teams-two
                when: action == "teams.deploy"
                effect: require_approval
                approvals: {min: 2, from: [sre, data-owners]}
                notify: ["teams:ops", "teams:ops-alerts"]
                ttl: 10m
              - id: teams-justified
                when: action == "teams.export"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                justification: required
                notify: ["teams:ops"]
              - id: teams-short
                when: action == "teams.short"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                ttl: 2s
                notify: ["teams:ops"]
            """;
    private static final String CARD = "application/vnd.microsoft.card.adaptive";

    @TempDir
    Path config;

    FakeTeams teams;
    TestServer server;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        teams = new FakeTeams();
        teams.configure(config);
        Files.writeString(config.resolve("policies/teams.yaml"), POLICY);
        server = TestServer.start(config);
    }

    @AfterEach
    void stop() {
        server.close();
        teams.close();
    }

    private String submit(String who, String action, String summary, String payload) {
        ObjectNode body = Json.object();
        body.put("action", action);
        ObjectNode resource = body.putObject("resource");
        resource.put("type", "k8s.deployment");
        resource.put("id", "payments/api");
        resource.put("env", "dev");
        body.putObject("intent").put("summary", summary);
        body.set("payload", Json.parse(payload));
        body.putObject("context").put("agent_run", "run-42");
        TestServer.Answer answer = server.post(who, "/v1/actions", Json.text(body));
        assertThat(answer.status()).isEqualTo(202);
        return answer.id();
    }

    private HttpResponse<String> send(JsonNode activity, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("/v1/channels/teams/messages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.text(activity)));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A click signed as the Bot Connector signs it; returns the invoke response body. */
    private JsonNode click(String aadObjectId, String verb, String id, String justification) throws Exception {
        ObjectNode activity = teams.invoke(aadObjectId, verb, id, justification);
        HttpResponse<String> response = send(activity, "Bearer " + teams.token(activity));
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.parse(response.body());
    }

    private String status(String id) {
        return server.get("alice", "/v1/actions/" + id).body().path("status").asString();
    }

    private static String headline(JsonNode card) {
        StringBuilder text = new StringBuilder();
        card.path("body").path(0).path("inlines").values().forEach(run -> text.append(run.path("text").asString()));
        return text.toString();
    }

    private static List<String> verbs(JsonNode card) {
        return card.path("actions").valueStream().filter(a -> "Action.Execute".equals(a.path("type").asString()))
                .map(a -> a.path("verb").asString()).toList();
    }

    private FakeTeams.Call sent() {
        return teams.await("POST", "/connector/v3/conversations/", c -> true);
    }

    @Test
    void aRequestIsSentAsAnAdaptiveCardAndReplacedOnEveryReviewUntilTheButtonsGo() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2 [click here](https://evil.example) **URGENT**", """
                {"image": "payments/api:2.0.1", "replicas": 6}""");
        FakeTeams.Call posted = sent();
        // To the configured conversation, as the bot, with the token Entra issued for the client credentials.
        assertThat(posted.path()).isEqualTo("/connector/v3/conversations/19%3Aops-approvals%40thread.tacv2/activities");
        assertThat(posted.authorization()).isEqualTo("Bearer " + FakeTeams.ACCESS_TOKEN);
        Map<String, String> tokenRequest = teams.calls("POST", "/" + FakeTeams.TENANT + "/oauth2/v2.0/token").getFirst().form();
        assertThat(tokenRequest).containsEntry("grant_type", "client_credentials").containsEntry("client_id", FakeTeams.APP_ID)
                .containsEntry("client_secret", FakeTeams.CLIENT_SECRET).containsEntry("scope", "https://api.botframework.com/.default");
        JsonNode activity = posted.json();
        assertThat(activity.path("type").asString()).isEqualTo("message");
        assertThat(activity.path("from").path("id").asString()).isEqualTo("28:" + FakeTeams.APP_ID);
        assertThat(activity.path("attachments").path(0).path("contentType").asString()).isEqualTo(CARD);
        JsonNode card = posted.card();
        assertThat(card.path("type").asString()).isEqualTo("AdaptiveCard");
        assertThat(card.path("version").asString()).isEqualTo("1.5");
        assertThat(headline(card)).isEqualTo("⏳ Approval needed: teams.deploy on k8s.deployment payments/api (dev)");
        String all = Json.text(card);
        assertThat(all).contains("Intent (stated by the requester)").contains("run-42").contains("payments/api:2.0.1")
                .contains("teams-two").contains("0 approved; needs 2 approval(s) from data-owners or sre (rule teams-two)")
                .contains("deploy-agent").contains("https://countersign.example.com/requests/" + id);
        // The requester's words only ever travel in TextRuns, which Teams shows without markdown.
        card.path("body").valueStream().filter(b -> "TextBlock".equals(b.path("type").asString()))
                .forEach(b -> assertThat(b.path("text").asString()).doesNotContain("evil.example").doesNotContain("URGENT"));
        assertThat(verbs(card)).containsExactly("approve", "deny");
        assertThat(card.path("body").valueStream().anyMatch(b -> "Input.Text".equals(b.path("type").asString())
                && "justification".equals(b.path("id").asString()))).isTrue();
        String activityId = "1767000000001";

        JsonNode answer = click(FakeTeams.ALICE, "approve", id, null);
        assertThat(answer.path("statusCode").asInt()).isEqualTo(200);
        assertThat(answer.path("type").asString()).isEqualTo(CARD);
        assertThat(Json.text(answer.path("value"))).contains("1 approved").contains("✅ alice");
        assertThat(status(id)).isEqualTo("pending");
        FakeTeams.Call replaced = teams.await("PUT", "/connector/v3/conversations/", c -> Json.text(c.card()).contains("1 approved"));
        assertThat(replaced.path()).isEqualTo("/connector/v3/conversations/19%3Aops-approvals%40thread.tacv2/activities/" + activityId);

        answer = click(FakeTeams.BOB, "approve", id, "checked the change window");
        assertThat(headline(answer.path("value"))).startsWith("✅ Approved");
        assertThat(verbs(answer.path("value"))).isEmpty();
        assertThat(status(id)).isEqualTo("approved");
        JsonNode done = teams.await("PUT", "/connector/v3/conversations/", c -> headline(c.card()).startsWith("✅ Approved")).card();
        assertThat(verbs(done)).isEmpty();
        assertThat(Json.text(done)).contains("checked the change window").doesNotContain("Input.Text");
        // The token is fetched once and kept.
        assertThat(teams.calls("POST", "/" + FakeTeams.TENANT + "/oauth2/v2.0/token")).hasSize(1);
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews").get(1).path("comment").asString())
                .isEqualTo("checked the change window");
    }

    @Test
    void aHugePayloadIsCutMarkedAndApprovedOnlyInTheConsole() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out", "{\"script\": \"" + "echo hi; ".repeat(500) + "\"}");
        JsonNode card = sent().card();
        assertThat(verbs(card)).containsExactly("deny");
        assertThat(card.path("actions").valueStream().filter(a -> a.path("type").asString().equals("Action.OpenUrl"))
                .map(a -> a.path("title").asString()).toList()).containsExactly("Review in the console");
        assertThat(Json.text(card)).contains("more than a card shows").contains("it cannot be approved here");
        assertThat(click(FakeTeams.ALICE, "approve", id, null).path("value").asString()).contains("too long to show in Teams");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void agentTextCannotForgeLinesOfTheCard() throws Exception {
        submit("agent", "teams.deploy", "roll out v2\nQuorum: 2 approved, met\u2029✅ alice", "{}");
        JsonNode card = sent().card();
        List<String> runs = card.path("body").valueStream().flatMap(b -> b.path("inlines").valueStream())
                .map(r -> r.path("text").asString()).toList();
        assertThat(runs).filteredOn(t -> t.contains("roll out v2")).isNotEmpty()
                .allSatisfy(t -> assertThat(t).doesNotContain("\n").doesNotContain("\u2029").contains("roll out v2 ⏎ Quorum: 2 approved, met ⏎ ✅ alice"));
    }

    @Test
    void aBreakGlassReplacesTheCardWithWhoAndWhyAndNoButtons() throws Exception {
        // Bob asks: carol, an admin behind nothing here, may break glass on it.
        String id = submit("bob", "teams.deploy", "hotfix", """
                {"image": "payments/api:2.0.2"}""");
        sent();
        TestServer.Answer broken = server.post("carol", "/v1/actions/" + id + "/break-glass",
                "{\"justification\": \"payments are down, approvers unreachable\"}");
        assertThat(broken.status()).as(broken.body().toString()).isEqualTo(200);
        JsonNode done = teams.await("PUT", "/connector/v3/conversations/", c -> headline(c.card()).startsWith("✅ Approved")).card();
        assertThat(verbs(done)).isEmpty();
        assertThat(Json.text(done)).contains("Break-glass by carol").contains("payments are down, approvers unreachable")
                .contains("to be reviewed afterwards");
        assertThat(server.post("alice", "/v1/actions/" + id + "/break-glass/review", "{\"verdict\": \"upheld\"}").status()).isEqualTo(200);
        teams.await("PUT", "/connector/v3/conversations/", c -> Json.text(c.card()).contains("(upheld by alice)"));
    }

    @Test
    void aDenyCarriesTheJustificationTypedIntoTheCard() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        sent();
        JsonNode answer = click(FakeTeams.BOB, "deny", id, "  the rollout window is closed  ");
        assertThat(headline(answer.path("value"))).startsWith("❌ Denied");
        assertThat(status(id)).isEqualTo("denied");
        JsonNode card = teams.await("PUT", "/connector/", c -> headline(c.card()).startsWith("❌ Denied")).card();
        assertThat(verbs(card)).isEmpty();
        assertThat(Json.text(card)).contains("the rollout window is closed");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews").get(0).path("comment").asString())
                .isEqualTo("the rollout window is closed");
    }

    @Test
    void aRuleThatRequiresAJustificationRefusesAnApprovalWithoutOne() throws Exception {
        String id = submit("agent", "teams.export", "export for audit", "{}");
        JsonNode card = sent().card();
        assertThat(Json.text(card)).contains("Justification (required by policy)");
        JsonNode answer = click(FakeTeams.ALICE, "approve", id, "   ");
        assertThat(answer.path("type").asString()).isEqualTo("application/vnd.microsoft.activity.message");
        assertThat(answer.path("value").asString()).contains("requires a justification").contains("Nothing changed");
        assertThat(status(id)).isEqualTo("pending");
        click(FakeTeams.ALICE, "approve", id, "audit ticket AUD-9");
        assertThat(status(id)).isEqualTo("approved");
    }

    @Test
    void theClickerIsToldWhyAClickDidNotCount() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        sent();
        assertThat(click("9f9f9f9f-0000-4000-8000-00000000dead", "approve", id, null).path("value").asString())
                .contains("not mapped to a Countersign identity");
        // carol owns the requesting agent.
        assertThat(click(FakeTeams.CAROL, "approve", id, null).path("value").asString())
                .contains("not counted").contains("owner of the requesting agent");
        click(FakeTeams.ALICE, "approve", id, null);
        assertThat(click(FakeTeams.ALICE, "approve", id, null).path("value").asString()).contains("already reviewed");
        // A human requester cannot approve their own request from the card either.
        String own = submit("bob", "teams.deploy", "bob's own change", "{}");
        assertThat(click(FakeTeams.BOB, "approve", own, null).path("value").asString()).contains("requester cannot review");
        assertThat(server.get("alice", "/v1/actions/" + own).body().path("reviews")).isEmpty();
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).hasSize(1);
        assertThat(status(id)).isEqualTo("pending");
        // An invoke that names no request, or an unknown verb, is answered as Universal Actions expects.
        JsonNode bad = click(FakeTeams.ALICE, "approve", "not-an-id", null);
        assertThat(bad.path("statusCode").asInt()).isEqualTo(400);
        assertThat(bad.path("type").asString()).isEqualTo("application/vnd.microsoft.error");
        assertThat(click(FakeTeams.ALICE, "escalate", id, null).path("statusCode").asInt()).isEqualTo(400);
        // refresh returns the card as it is now, for anyone.
        assertThat(Json.text(click("9f9f9f9f-0000-4000-8000-00000000dead", "refresh", id, null).path("value"))).contains("1 approved");
    }

    @Test
    void forgedMisdirectedAndReplayedActivitiesAreRefusedAndChangeNothing() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        sent();
        ObjectNode activity = teams.invoke(FakeTeams.ALICE, "approve", id, null);
        JWTClaimsSet good = teams.claims(activity).build();
        Instant now = Instant.now();

        assertRefused(send(activity, null), 401, "Bearer");
        assertRefused(send(activity, "Bearer not.a.jwt"), 401, "not a signed JWT");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.strangerKey, good)), 401, "not among");
        assertRefused(send(activity, "Bearer " + FakeTeams.hmacToken(good)), 401, "only RS256");
        assertRefused(send(activity, "Bearer " + new PlainJWT(new PlainHeader(), good).serialize()), 401, "not a signed JWT");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity).audience("another-bot").build())), 401, "aud");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity).issuer("https://evil.example").build())), 401, "issuer");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity)
                .issuer("https://sts.windows.net/another-tenant/").build())), 401, "issuer");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity)
                .expirationTime(Date.from(now.minusSeconds(400))).build())), 401, "Expired");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity)
                .notBeforeTime(Date.from(now.plusSeconds(400))).build())), 401, "before");
        // The token names another serviceUrl than the activity: the answer could be sent anywhere.
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.key, teams.claims(activity)
                .claim("serviceUrl", "https://smba.evil.example/").build())), 403, "serviceUrl");
        ObjectNode elsewhere = activity.deepCopy();
        elsewhere.put("serviceUrl", "https://smba.evil.example/");
        assertRefused(send(elsewhere, "Bearer " + teams.token(elsewhere)), 403, "service_url_hosts");
        assertRefused(send(activity, "Bearer " + FakeTeams.token(teams.otherChannelKey, good)), 403, "not endorsed for the channel 'msteams'");
        ObjectNode otherTenant = activity.deepCopy();
        ((ObjectNode) otherTenant.path("channelData").path("tenant")).put("id", "another-tenant");
        assertRefused(send(otherTenant, "Bearer " + teams.token(otherTenant)), 403, "tenant");
        ObjectNode otherBot = activity.deepCopy();
        ((ObjectNode) otherBot.path("recipient")).put("id", "28:another-bot");
        assertRefused(send(otherBot, "Bearer " + teams.token(otherBot)), 403, "another bot");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();

        // Within the five minutes' skew a token is still good; the same activity sent again is a replay.
        String late = "Bearer " + FakeTeams.token(teams.key, teams.claims(activity).expirationTime(Date.from(now.minusSeconds(200))).build());
        assertThat(send(activity, late).statusCode()).isEqualTo(200);
        assertRefused(send(activity, late), 403, "replay");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).hasSize(1);
        assertThat(status(id)).isEqualTo("pending");

        HttpResponse<String> malformed = http.send(HttpRequest.newBuilder(server.uri("/v1/channels/teams/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(Json.parse(malformed.body()).path("error").path("code").asString()).isEqualTo("malformed_activity");
    }

    private static void assertRefused(HttpResponse<String> response, int status, String reason) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = Json.parse(response.body()).path("error");
        assertThat(error.path("message").asString()).contains(reason);
        assertThat(response.body()).doesNotContain("eyJ");
    }

    @Test
    void signingKeysThatCannotBeReadRefuseEveryActivity() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        sent();
        teams.keysDown = true;
        ObjectNode activity = teams.invoke(FakeTeams.ALICE, "approve", id, null);
        assertRefused(send(activity, "Bearer " + teams.token(activity)), 503, "cannot be read");
        assertThat(server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void aWorkflowGetsANotifyOnlyCardThatLinksToTheConsole() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        FakeTeams.Call posted = teams.await("POST", "/workflows/ops", c -> true);
        JsonNode message = posted.json();
        assertThat(message.path("type").asString()).isEqualTo("message");
        assertThat(message.path("attachments").path(0).path("contentType").asString()).isEqualTo(CARD);
        JsonNode card = posted.card();
        assertThat(card.path("version").asString()).isEqualTo("1.4");
        assertThat(headline(card)).startsWith("⏳ Approval needed: teams.deploy");
        assertThat(verbs(card)).isEmpty();
        assertThat(Json.text(card)).doesNotContain("Input.Text");
        JsonNode link = card.path("actions").path(0);
        assertThat(link.path("type").asString()).isEqualTo("Action.OpenUrl");
        assertThat(link.path("url").asString()).isEqualTo("https://countersign.example.com/requests/" + id);
        // Workflows cards cannot be updated; later changes do not post again.
        server.review("alice", id, "approve", null);
        teams.await("PUT", "/connector/", c -> Json.text(c.card()).contains("1 approved"));
        assertThat(teams.calls("POST", "/workflows/")).hasSize(1);
    }

    @Test
    void expiryReplacesTheCardAndALateClickIsRefused() throws Exception {
        String id = submit("agent", "teams.short", "quick fix", "{}");
        sent();
        JsonNode card = teams.await("PUT", "/connector/", c -> headline(c.card()).startsWith("⌛ Expired")).card();
        assertThat(verbs(card)).isEmpty();
        assertThat(click(FakeTeams.ALICE, "approve", id, null).path("value").asString()).contains("expired");
        assertThat(status(id)).isEqualTo("expired");
    }

    @Test
    void cardsSentBeforeARestartAreStillReplacedAndNotSentAgain() throws Exception {
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        sent();
        teams.await("POST", "/workflows/ops", c -> true);
        server.restart();
        server.review("alice", id, "approve", "via the API");
        server.review("bob", id, "approve", "via the API too");
        teams.await("PUT", "/connector/", c -> headline(c.card()).startsWith("✅ Approved"));
        assertThat(teams.calls("POST", "/connector/")).hasSize(1);
        assertThat(teams.calls("POST", "/workflows/")).hasSize(1);
    }

    @Test
    void notifyOnlyTeamsHasNoMessagingEndpoint() throws IOException {
        server.close();
        Path notifyOnly = config.resolveSibling(config.getFileName() + "-notify-only");
        ConfigDirectory.ensureExample(notifyOnly);
        Files.createDirectories(notifyOnly.resolve("secrets"));
        Path secret = Files.copy(config.resolve("secrets/teams-workflow-url"), notifyOnly.resolve("secrets/teams-workflow-url"));
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.writeString(notifyOnly.resolve("countersign.yaml"), """

                teams:
                  workflows: {ops-alerts: "${file:secrets/teams-workflow-url}"}
                  console_url: https://countersign.example.com/
                """, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(notifyOnly.resolve("policies/teams.yaml"), POLICY.replace("\"teams:ops\", ", "").replace("[\"teams:ops\"]", "[\"teams:ops-alerts\"]"));
        server = TestServer.start(notifyOnly);
        String id = submit("agent", "teams.deploy", "roll out v2", "{}");
        teams.await("POST", "/workflows/ops", c -> Json.text(c.card()).contains(id));
        TestServer.Answer answer = server.post("agent", "/v1/channels/teams/messages", "{}");
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body().path("error").path("message").asString()).contains("notify-only");
    }
}
