package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.testing.Directories;
import io.countersign.testing.PostgresSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single sign-on cannot mint a second you, against a real OpenID Connect server (NAV's mock-oauth2-server),
 * over HTTP as a browser drives it: an address the provider does not say is verified names nobody; one written
 * with other letter cases is another mailbox unless the provider guarantees otherwise; a subject pinned in the
 * identities file wins over any address; someone the file does not know is refused, or, if the operator opts
 * in, reads without ever reviewing. Sign-ins under way live in the store, so the provider may send the browser
 * back to another node of the cluster, and a client address may have only so many under way.
 */
class SingleSignOnTest {
    @TempDir
    Path config;

    ConsoleFixture console;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (console != null) {
            console.close();
        }
    }

    /** One browser's sign-in: what it ends in, and the session cookie if one was set. */
    record SignIn(int status, String location, String session, String body) {
    }

    /** Starts a sign-in on {@code start}, lets the provider answer, and finishes it on {@code finish}. */
    private SignIn signIn(TestServer start, TestServer finish) throws Exception {
        return signIn(start, finish, "%2Finbox");
    }

    /** As {@link #signIn(TestServer, TestServer)}, asking to return to {@code next} (URL-encoded). */
    private SignIn signIn(TestServer start, TestServer finish, String next) throws Exception {
        HttpResponse<String> begun = get(start.uri("/login/oidc?next=" + next), null);
        assertThat(begun.statusCode()).as(begun.body()).isEqualTo(303);
        String binding = cookie(begun, "countersign_signin");
        HttpResponse<String> provider = get(URI.create(begun.headers().firstValue("location").orElseThrow()), null);
        assertThat(provider.statusCode()).isEqualTo(302);
        URI callback = URI.create(provider.headers().firstValue("location").orElseThrow());
        HttpResponse<String> finished = get(finish.uri(callback.getRawPath() + "?" + callback.getRawQuery()), binding);
        return new SignIn(finished.statusCode(), finished.headers().firstValue("location").orElse(null),
                finished.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("countersign_session="))
                        .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null), finished.body());
    }

    private HttpResponse<String> get(URI uri, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookie(HttpResponse<String> answer, String name) {
        return answer.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();
    }

    /** Who the console says is signed in, from its header. */
    private String whoIs(SignIn signIn) throws Exception {
        return get(console.server.uri("/inbox"), signIn.session()).body();
    }

    /** Signs in at the provider as {@code subject} with {@code claims}, and checks the console then says it is {@code name}. */
    private void signsInAs(String subject, Map<String, Object> claims, String name) throws Exception {
        console.nextSignIn(subject, claims);
        SignIn signedIn = signIn(console.server, console.server);
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(303);
        assertThat(whoIs(signedIn)).contains(name);
    }

    @Test
    void anAddressTheProviderDoesNotSayIsVerifiedOrWrittenWithOtherCasesNamesNobody() throws Exception {
        console = new ConsoleFixture(config, false);
        console.nextSignIn("alice-sub", Map.of("email", "alice@example.com", "name", "Alice"));
        SignIn unverified = signIn(console.server, console.server);
        assertThat(unverified.status()).isEqualTo(401);
        assertThat(unverified.session()).isNull();
        assertThat(unverified.body()).contains("does not say that alice@example.com is verified");

        console.nextSignIn("alice-sub", Map.of("email", "alice@example.com", "email_verified", "true"));
        assertThat(signIn(console.server, console.server).status()).as("\"true\" as text is not true").isEqualTo(401);

        console.nextSignIn("alice-sub", Map.of("email", "Alice@EXAMPLE.com", "email_verified", true));
        SignIn otherCase = signIn(console.server, console.server);
        assertThat(otherCase.status()).isEqualTo(401);
        assertThat(otherCase.body()).contains("is not among the people this Countersign knows");

        // The domain has no case; a full-width letter is the same letter (NFKC): this is alice.
        signsInAs("alice-sub", Map.of("email", "\uFF41lice@EXAMPLE.com", "email_verified", true), "Alice Archer");
    }

    @Test
    void withAProviderThatHasNoCaseInMailboxesTheLocalPartComparesWithoutCase() throws Exception {
        console = new ConsoleFixture(config, false, "    case_insensitive_email: true\n");
        signsInAs("alice-sub", Map.of("email", "ALICE@example.com", "email_verified", true), "Alice Archer");
    }

    @Test
    void aPinnedSubjectWinsOverAnyAddress() throws Exception {
        console = new ConsoleFixture(config, false);
        // bob is pinned to his subject at this provider: his address alone no longer finds him.
        Path identities = config.resolve("identities.yaml");
        Files.writeString(identities, Files.readString(identities).replace("accounts: {slack: U0BOB,",
                "accounts: {oidc: \"" + console.issuer + "|bob-at-idp\", slack: U0BOB,"));
        console.server.node().reloadIdentities("test");

        console.nextSignIn("someone-else", Map.of("email", "bob@example.com", "email_verified", true));
        assertThat(signIn(console.server, console.server).status()).as("bob's address, another subject").isEqualTo(401);

        signsInAs("bob-at-idp", Map.of("email", "robert@elsewhere.example", "email_verified", true), "Bob Baker");
    }

    @Test
    void someoneTheFileDoesNotKnowIsRefusedOrOnlyReadsWhenTheOperatorOptsIn() throws Exception {
        console = new ConsoleFixture(config, false);
        console.nextSignIn("mallory-sub", "mallory@example.com", List.of("sre"));
        SignIn refused = signIn(console.server, console.server);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.session()).isNull();
        console.close();

        console = new ConsoleFixture(config.resolve("read-only"), false, "    unmapped: read_only\n");
        String id = console.submit("console.deploy", "rollout", "{}");
        console.nextSignIn("mallory-sub", "mallory@example.com", List.of("sre", "data-owners"));
        SignIn viewer = signIn(console.server, console.server);
        assertThat(viewer.status()).isEqualTo(303);
        String page = get(console.server.uri("/requests/" + id), viewer.session()).body();
        assertThat(page).contains("rollout").doesNotContain("name=\"decision\"");
        java.util.regex.Matcher csrf = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
        assertThat(csrf.find()).isTrue();
        HttpResponse<String> review = http.send(HttpRequest.newBuilder(console.server.uri("/requests/" + id + "/review"))
                .header("Cookie", viewer.session()).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("decision=approve&_csrf=" + csrf.group(1))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(review.statusCode()).as("whatever groups the provider sends, never a reviewer").isEqualTo(403);
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("reviews")).isEmpty();
    }

    @Test
    void aSignInReturnsToThePageItStartedFromButKeepsNoAttackerSizedReturnPath() throws Exception {
        console = new ConsoleFixture(config, false);
        Map<String, Object> alice = Map.of("email", "alice@example.com", "email_verified", true);
        console.nextSignIn("alice-sub", alice);
        assertThat(signIn(console.server, console.server, "%2Frequests%2Fact_42").location()).isEqualTo("/requests/act_42");
        console.nextSignIn("alice-sub", alice);
        SignIn oversized = signIn(console.server, console.server, "%2F" + "a".repeat(4000));
        assertThat(oversized.session()).isNotNull();
        assertThat(oversized.location()).isEqualTo("/inbox");
    }

    @Test
    void aClientAddressMayHaveOnlySoManySignInsUnderWay() throws Exception {
        console = new ConsoleFixture(config, false);
        int started = 0;
        HttpResponse<String> answer;
        do {
            answer = get(console.server.uri("/login/oidc?next=%2Finbox"), null);
            started++;
        } while (answer.statusCode() == 303 && started < 100);
        assertThat(started).isEqualTo(21);
        assertThat(answer.statusCode()).isEqualTo(429);
        assertThat(answer.body()).contains("too many sign-ins are under way from your address");
    }

    @Test
    void aSignInStartedOnOneNodeIsFinishedOnAnother() throws Exception {
        try (PostgresSchema schema = new PostgresSchema()) {
            Path first = config.resolve("node-1");
            console = new ConsoleFixture(first, false) {
                @Override
                void beforeStart(Path directory) throws java.io.IOException {
                    schema.useIn(directory);
                }
            };
            Path second = config.resolve("node-2");
            Directories.copy(first, second);
            try (TestServer other = TestServer.start(second)) {
                console.nextSignIn("alice-sub", "alice@example.com", List.of("sre"));
                SignIn alice = signIn(console.server, other);
                assertThat(alice.status()).as(alice.body()).isEqualTo(303);
                assertThat(get(other.uri("/inbox"), alice.session()).body()).contains("Alice Archer");
                assertThat(get(console.server.uri("/inbox"), alice.session()).body()).as("and the session serves on both").contains("Alice Archer");
            } finally {
                console.close();
                console = null;
            }
        }
    }
}
