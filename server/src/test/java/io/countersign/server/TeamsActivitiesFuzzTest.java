package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.testing.Fuzzing;
import io.countersign.testing.Mutations;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import net.jqwik.api.Arbitraries;
import tools.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;

/**
 * Teams invokes mutated under a valid Bot Connector token (so they reach the activity's parser, as a
 * buggy or compromised channel could send them): every one is answered without a server error, and the
 * only reviews ever recorded are those of mapped, eligible humans.
 */
class TeamsActivitiesFuzzTest {
    private static FakeTeams teams;
    private static TestServer server;
    private static String actionId;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeContainer
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

    @AfterContainer
    static void stop() {
        server.close();
        teams.close();
    }

    @Property(seed = Fuzzing.SEED)
    void mutatedInvokesAreAnsweredWithoutAServerError(@ForAll("clicks") int click, @ForAll("mutations") UnaryOperator<String> mutate)
            throws Exception {
        // A fresh activity each time (a new id: a repeated one is refused as a replay before it is read),
        // under the token the connector would send for it unmutated (the token names its serviceUrl).
        ObjectNode seed = switch (click) {
            case 0 -> teams.invoke(FakeTeams.ALICE, "approve", actionId, "looks right");
            case 1 -> teams.invoke(FakeTeams.BOB, "deny", actionId, "not now");
            default -> teams.invoke(FakeTeams.CAROL, "refresh", actionId, null);
        };
        String activity = mutate.apply(Json.text(seed));
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(server.uri("/v1/channels/teams/messages"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + teams.token(seed))
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

    @Provide
    Arbitrary<Integer> clicks() {
        return Arbitraries.integers().between(0, 2);
    }

    @Provide
    Arbitrary<UnaryOperator<String>> mutations() {
        return Mutations.mutation();
    }
}
