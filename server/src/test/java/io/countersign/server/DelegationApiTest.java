package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.identity.ApiKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Out of office over the API: alice hands her reviews to frank, who reviews for her, once, until it ends. */
class DelegationApiTest {
    @TempDir
    Path directory;
    private TestServer server;
    private String frank;

    @BeforeEach
    void start() throws IOException {
        ConfigDirectory.ensureExample(directory);
        frank = ApiKeys.generate();
        Path identities = directory.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities) + """
                  - id: frank
                    kind: human
                    name: Frank Fischer
                    email: frank@example.com
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(frank)));
        server = TestServer.start(directory);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String prodChange(int n) {
        TestServer.Answer held = server.post("agent", "/v1/actions", TestServer.request("db.migrate", "prod", ", \"payload\": {\"n\": " + n + "}"));
        assertThat(held.status()).isEqualTo(202);
        return held.id();
    }

    private TestServer.Answer frankReviews(String id, String extra) {
        return server.postWithKey(frank, "/v1/actions/" + id + "/reviews", "{\"decision\": \"approve\", \"comment\": \"covering\"" + extra + "}");
    }

    @Test
    void aDelegateReviewsForTheDelegatorInTheirSeatUntilItEnds() {
        String first = prodChange(1);
        assertThat(frankReviews(first, "").status()).as("frank is in no reviewer group").isEqualTo(403);
        assertThat(server.getWithKey(frank, "/v1/actions?status=pending&limit=10").ids()).isEmpty();

        String until = Instant.now().plus(Duration.ofDays(3)).toString();
        TestServer.Answer delegated = server.post("alice", "/v1/delegations",
                "{\"to\": \"frank@example.com\", \"until\": \"" + until + "\", \"reason\": \"on leave\"}");
        assertThat(delegated.status()).isEqualTo(201);
        assertThat(delegated.body().path("to").asString()).isEqualTo("frank");
        assertThat(delegated.body().path("in_force").asBoolean()).isTrue();
        assertThat(server.getWithKey(frank, "/v1/delegations").body().path("delegations")).hasSize(1);

        // Frank's inbox now holds what alice may review, and his review takes her seat.
        assertThat(server.getWithKey(frank, "/v1/actions?status=pending&limit=10").ids()).contains(first);
        TestServer.Answer approved = frankReviews(first, "");
        assertThat(approved.status()).isEqualTo(200);
        assertThat(approved.body().path("status").asString()).isEqualTo("approved");
        JsonNode review = approved.body().path("reviews").get(0);
        assertThat(review.path("reviewer").asString()).isEqualTo("alice");
        assertThat(review.path("by").asString()).isEqualTo("frank");
        assertThat(review.path("by_name").asString()).isEqualTo("Frank Fischer");
        assertThat(server.auditEntries(first)).filteredOn(e -> e.path("type").asString().equals("review.submitted")).singleElement()
                .satisfies(e -> {
                    assertThat(e.path("actor").asString()).isEqualTo("frank");
                    assertThat(e.path("detail").path("reviewer").asString()).isEqualTo("alice");
                    assertThat(e.path("detail").path("by").asString()).isEqualTo("frank");
                });
        assertThat(server.consolePage("bob", "/requests/" + first)).contains("Frank Fischer for Alice Archer");
        assertThat(server.auditEntriesOfType("delegation.granted")).singleElement()
                .satisfies(e -> assertThat(e.path("detail").path("to").asString()).isEqualTo("frank"));

        // Alice ends it early: frank is on his own again.
        String second = prodChange(2);
        assertThat(server.delete("alice", "/v1/delegations/" + delegated.body().path("id").asString()).status()).isEqualTo(200);
        assertThat(frankReviews(second, "").status()).isEqualTo(403);
        assertThat(frankReviews(second, ", \"for\": \"alice\"").body().path("error").path("message").asString())
                .contains("frank holds no delegation from alice in force now");
        assertThat(server.auditEntriesOfType("delegation.revoked")).hasSize(1);
    }

    @Test
    void theAgentsOwnerMayNotReviewItsRequestsForAnyone() {
        String id = prodChange(3);
        String until = Instant.now().plus(Duration.ofDays(1)).toString();
        assertThat(server.post("alice", "/v1/delegations", "{\"to\": \"carol\", \"until\": \"" + until + "\"}").status()).isEqualTo(201);
        TestServer.Answer refused = server.post("carol", "/v1/actions/" + id + "/reviews",
                "{\"decision\": \"approve\", \"for\": \"alice\"}");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.body().path("error").path("message").asString()).contains("carol is behind this request");
    }

    @Test
    void badDelegationsAreRefusedNamingTheField() {
        assertThat(server.post("alice", "/v1/delegations", "{\"to\": \"nobody\", \"until\": \"2030-01-01\"}").body()
                .path("error").path("message").asString()).contains("'to' names no human Countersign knows");
        assertThat(server.post("alice", "/v1/delegations", "{\"to\": \"bob\", \"until\": \"2020-01-01\"}").body()
                .path("error").path("message").asString()).contains("'until' must be after the start and in the future");
        assertThat(server.post("alice", "/v1/delegations", "{\"to\": \"bob\", \"until\": \""
                + Instant.now().plus(Duration.ofDays(120)) + "\"}").body().path("error").path("message").asString()).contains("at most 90 days");
        assertThat(server.post("alice", "/v1/delegations", "{\"to\": \"bob\", \"until\": \"soon\"}").body()
                .path("error").path("field").asString()).isEqualTo("until");
    }

    @Test
    void theConsoleHandsReviewsOverAndEndsThem() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String cookie = server.consoleSignIn("alice");
        String page = http.send(java.net.http.HttpRequest.newBuilder(server.uri("/delegations")).header("Cookie", cookie).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains("You handed over").contains("Nothing.");
        var csrf = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).isTrue();
        String until = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(2).toString();
        var posted = http.send(java.net.http.HttpRequest.newBuilder(server.uri("/delegations")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("_csrf=" + csrf.group(1) + "&to=frank&until=" + until + "&reason=on+leave"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(303);
        assertThat(server.consolePage("alice", "/delegations")).contains("frank</strong> reviews for you").contains("(in force)").contains("on leave");
        String id = server.get("alice", "/v1/delegations").body().path("delegations").get(0).path("id").asString();
        assertThat(server.getWithKey(frank, "/v1/delegations").body().path("delegations").get(0).path("from").asString()).isEqualTo("alice");

        var forged = http.send(java.net.http.HttpRequest.newBuilder(server.uri("/delegations/" + id + "/end")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString("_csrf=wrong"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(403);
        var ended = http.send(java.net.http.HttpRequest.newBuilder(server.uri("/delegations/" + id + "/end")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(java.net.http.HttpRequest.BodyPublishers.ofString("_csrf=" + csrf.group(1)))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(ended.statusCode()).isEqualTo(303);
        assertThat(server.get("alice", "/v1/delegations").body().path("delegations")).isEmpty();
    }
}
