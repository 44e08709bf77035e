package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's defences at the HTTP level, the way an attacker would probe them: forms without the
 * CSRF token, forged request ids, reviews the lifecycle forbids, stale sessions, open redirects, and
 * the demo sign-in. Nothing refused may change what is stored.
 */
class ConsoleTest {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @TempDir
    Path config;

    ConsoleFixture console;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        console = new ConsoleFixture(config, true);
    }

    @AfterEach
    void stop() {
        console.close();
    }

    /** A signed-in browser, as far as HTTP goes: the session cookie and the page's CSRF token. */
    record Browser(String cookie, String csrf) {
    }

    /** The demo sign-in form as a browser posts it: with the sign-in page's CSRF cookie and the token in the form. */
    private HttpResponse<String> demoSignIn(String key, String next) throws Exception {
        HttpResponse<String> page = get("/login", null);
        String setCookie = page.headers().firstValue("set-cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Matcher token = CSRF.matcher(page.body());
        assertThat(token.find()).isTrue();
        return post("/login/demo", cookie, "key=" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "&_csrf=" + token.group(1)
                + (next == null ? "" : "&next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
    }

    private Browser signIn(String who) throws Exception {
        HttpResponse<String> answer = demoSignIn(console.server.key(who), "/inbox");
        assertThat(answer.statusCode()).isEqualTo(303);
        String setCookie = answer.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        Matcher token = CSRF.matcher(get("/inbox", cookie).body());
        assertThat(token.find()).isTrue();
        return new Browser(cookie, token.group(1));
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(console.server.uri(path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String cookie, String form) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(console.server.uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String status(String id) {
        return console.server.get("alice", "/v1/actions/" + id).body().path("status").asString();
    }

    private int reviews(String id) {
        return console.server.get("alice", "/v1/actions/" + id).body().path("reviews").size();
    }

    @Test
    void aFormWithoutTheSessionsCsrfTokenChangesNothing() throws Exception {
        String id = console.submit("console.grant", "grant read", "{}");
        Browser alice = signIn("alice");
        HttpResponse<String> missing = post("/requests/" + id + "/review", alice.cookie(), "decision=approve&justification=ok");
        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(missing.body()).contains("CSRF token is missing or wrong");
        Browser bob = signIn("bob");
        HttpResponse<String> someoneElses = post("/requests/" + id + "/review", alice.cookie(), "decision=approve&justification=ok&_csrf=" + bob.csrf());
        assertThat(someoneElses.statusCode()).isEqualTo(403);
        assertThat(reviews(id)).isZero();

        HttpResponse<String> good = post("/requests/" + id + "/review", alice.cookie(), "decision=approve&justification=ticket+T-1&_csrf=" + alice.csrf());
        assertThat(good.statusCode()).isEqualTo(303);
        assertThat(good.headers().firstValue("location").orElseThrow()).endsWith("/requests/" + id);
        assertThat(status(id)).isEqualTo("approved");
    }

    @Test
    void anAdminBreaksGlassFromTheRequestPageAndAReviewerReviewsItThere() throws Exception {
        // Bob asks; carol, an admin behind nothing here, may break glass on it.
        String id = console.submitAs("bob", "console.deploy", "hotfix", "{\"image\": \"api:2.0.2\"}");
        Browser bob = signIn("bob");
        assertThat(get("/requests/" + id, bob.cookie()).body()).as("bob is no admin").doesNotContain("id=\"break-glass-form\"");
        HttpResponse<String> notAdmin = post("/requests/" + id + "/break-glass", bob.cookie(),
                "justification=" + URLEncoder.encode("payments are down and nobody answers", StandardCharsets.UTF_8) + "&_csrf=" + bob.csrf());
        assertThat(notAdmin.statusCode()).isEqualTo(403);
        assertThat(notAdmin.body()).contains("only humans with the admin role may break glass").contains("Nothing changed");
        String ownedByCarol = console.submit("console.deploy", "hotfix", "{\"image\": \"api:2.0.3\"}");

        Browser carol = signIn("carol");
        assertThat(get("/requests/" + id, carol.cookie()).body()).contains("id=\"break-glass-form\"").contains("Break glass");
        String why = "justification=" + URLEncoder.encode("payments are down and nobody answers", StandardCharsets.UTF_8);
        // Her own agent's request is not hers to wave through: refused, with the reason, and nothing changes.
        HttpResponse<String> own = post("/requests/" + ownedByCarol + "/break-glass", carol.cookie(), why + "&_csrf=" + carol.csrf());
        assertThat(own.statusCode()).isEqualTo(403);
        assertThat(own.body()).contains("nobody breaks glass on their own request").contains("Nothing changed");
        assertThat(status(ownedByCarol)).isEqualTo("pending");
        assertThat(post("/requests/" + id + "/break-glass", carol.cookie(), why).statusCode()).as("no CSRF token").isEqualTo(403);
        HttpResponse<String> terse = post("/requests/" + id + "/break-glass", carol.cookie(), "justification=now&_csrf=" + carol.csrf());
        assertThat(terse.statusCode()).isEqualTo(422);
        assertThat(terse.body()).contains("at least 20 characters");
        assertThat(status(id)).isEqualTo("pending");
        HttpResponse<String> broken = post("/requests/" + id + "/break-glass", carol.cookie(), why + "&_csrf=" + carol.csrf());
        assertThat(broken.statusCode()).isEqualTo(303);
        assertThat(status(id)).isEqualTo("approved");

        Browser alice = signIn("alice");
        String page = get("/requests/" + id, alice.cookie()).body();
        assertThat(page).contains("id=\"break-glass\" class=\"break-glass\"").contains("payments are down and nobody answers")
                .contains("review afterwards: pending").contains("id=\"break-glass-review\"").doesNotContain("id=\"break-glass-form\"");
        assertThat(get("/requests/" + id, carol.cookie()).body()).as("not hers to review").doesNotContain("id=\"break-glass-review\"");
        HttpResponse<String> bare = post("/requests/" + id + "/break-glass-review", alice.cookie(), "verdict=disputed&_csrf=" + alice.csrf());
        assertThat(bare.statusCode()).isEqualTo(422);
        assertThat(bare.body()).contains("a disputed break-glass needs a comment");
        HttpResponse<String> disputed = post("/requests/" + id + "/break-glass-review", alice.cookie(),
                "verdict=disputed&comment=" + URLEncoder.encode("only a staging check failed", StandardCharsets.UTF_8) + "&_csrf=" + alice.csrf());
        assertThat(disputed.statusCode()).isEqualTo(303);
        assertThat(console.server.get("alice", "/v1/actions/" + id).body().path("break_glass").path("review").path("status").asString())
                .isEqualTo("disputed");
        assertThat(get("/requests/" + id, alice.cookie()).body()).contains("disputed by").contains("only a staging check failed")
                .doesNotContain("id=\"break-glass-review\"");
    }

    @Test
    void forgedOrForbiddenReviewsAreRefusedWithTheReason() throws Exception {
        String id = console.submit("console.grant", "grant read", "{}");
        Browser bob = signIn("bob");
        // bob is in data-owners; this rule takes only sre.
        HttpResponse<String> ineligible = post("/requests/" + id + "/review", bob.cookie(), "decision=approve&justification=x&_csrf=" + bob.csrf());
        assertThat(ineligible.statusCode()).isEqualTo(403);
        assertThat(ineligible.body()).contains("Not counted").contains("Nothing changed");
        HttpResponse<String> unknown = post("/requests/act_00000000000000000000000000000000/review", bob.cookie(),
                "decision=approve&_csrf=" + bob.csrf());
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> malformed = post("/requests/..%2F..%2Fv1%2Factions/review", bob.cookie(), "decision=approve&_csrf=" + bob.csrf());
        assertThat(malformed.statusCode()).isEqualTo(404);
        Browser alice = signIn("alice");
        HttpResponse<String> noDecision = post("/requests/" + id + "/review", alice.cookie(), "decision=maybe&_csrf=" + alice.csrf());
        assertThat(noDecision.statusCode()).isEqualTo(400);
        HttpResponse<String> noJustification = post("/requests/" + id + "/review", alice.cookie(), "decision=approve&_csrf=" + alice.csrf());
        assertThat(noJustification.statusCode()).isEqualTo(422);
        assertThat(noJustification.body()).contains("justification");
        assertThat(reviews(id)).isZero();
        assertThat(status(id)).isEqualTo("pending");
    }

    @Test
    void anUnknownOrEndedSessionIsSentToSignInAndComesBackAfterwards() throws Exception {
        String id = console.submit("console.deploy", "rollout", "{}");
        HttpResponse<String> stale = get("/requests/" + id, "countersign_session=not-a-session");
        assertThat(stale.statusCode()).isEqualTo(303);
        assertThat(stale.headers().firstValue("location").orElseThrow()).isEqualTo("/login?next=%2Frequests%2F" + id);

        Browser alice = signIn("alice");
        assertThat(get("/requests/" + id, alice.cookie()).statusCode()).isEqualTo(200);
        HttpResponse<String> out = post("/logout", alice.cookie(), "_csrf=" + alice.csrf());
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(get("/requests/" + id, alice.cookie()).statusCode()).as("the session ended on the server, not only in the browser").isEqualTo(303);

        // Sessions are kept in the store: a restart signs nobody out (and any node of a cluster serves them).
        Browser again = signIn("alice");
        console.server.restart();
        assertThat(get("/requests/" + id, again.cookie()).statusCode()).as("signed in across a restart").isEqualTo(200);
        post("/logout", again.cookie(), "_csrf=" + again.csrf());
        HttpResponse<String> fragment = http.send(HttpRequest.newBuilder(console.server.uri("/inbox/rows"))
                .header("Cookie", again.cookie()).header("HX-Request", "true").header("Referer", console.server.uri("/inbox").toString())
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(fragment.statusCode()).isEqualTo(401);
        assertThat(fragment.headers().firstValue("hx-redirect").orElseThrow()).isEqualTo("/login?next=%2Finbox");
    }

    @Test
    void everythingAnAgentWritesIsShownAsTextOnEveryPage() throws Exception {
        String script = "<script>alert(1)</script>";
        String quote = "\"><img src=x onerror=alert(2)>";
        TestServer.Answer submitted = console.server.post("agent", "/v1/actions", """
                {"action": "console.deploy",
                 "resource": {"type": "k8s%1$s", "id": "api%2$s", "env": "prod%1$s", "labels": {"team%1$s": "pay%2$s"}},
                 "intent": {"summary": "s%1$s", "reason": "r%2$s", "ticket": "t%1$s"},
                 "payload": {"k%1$s": "v%2$s", "before": {"x": "%1$s"}, "after": {"x": "%2$s"}},
                 "context": {"agent_run": "run%1$s", "note": "%2$s"}}"""
                .formatted(script.replace("\"", "\\\""), quote.replace("\"", "\\\"")));
        assertThat(submitted.status()).isEqualTo(202);
        String id = submitted.id();
        Browser alice = signIn("alice");
        for (String page : new String[] {"/requests/" + id, "/inbox", "/inbox/rows", "/history"}) {
            String body = get(page, alice.cookie()).body();
            assertThat(body).as(page).doesNotContain(script).doesNotContain("<img src=x").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        }
        // The log holds digests, not the agent's text; what it does hold is escaped too.
        assertThat(get("/audit", alice.cookie()).body()).doesNotContain(script).doesNotContain("<img src=x");
    }

    @Test
    void signInNeverRedirectsOffTheConsole() throws Exception {
        for (String next : new String[] {"//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com", "javascript:alert(1)"}) {
            HttpResponse<String> answer = demoSignIn(console.server.key("alice"), next);
            assertThat(answer.statusCode()).isEqualTo(303);
            assertThat(answer.headers().firstValue("location").orElseThrow()).as(next).isEqualTo("/inbox");
        }
    }

    @Test
    void demoSignInTakesOnlyAHumansKey() throws Exception {
        HttpResponse<String> agent = demoSignIn(console.server.key("agent"), null);
        assertThat(agent.statusCode()).isEqualTo(401);
        assertThat(agent.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith("countersign_session="));
        HttpResponse<String> wrong = demoSignIn("cs_not_a_key", null);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("does not belong to a human").doesNotContain("cs_not_a_key");
        assertThat(get("/login", null).body()).contains("DEMO PROFILE ONLY");
    }

    @Test
    void pagesForbidFramingAndForeignScripts() throws Exception {
        Browser alice = signIn("alice");
        HttpResponse<String> inbox = get("/inbox", alice.cookie());
        assertThat(inbox.headers().firstValue("content-security-policy").orElseThrow()).contains("script-src 'self'").contains("frame-ancestors 'none'");
        assertThat(inbox.headers().firstValue("x-frame-options")).contains("DENY");
        assertThat(inbox.headers().firstValue("cache-control")).contains("no-store");
        assertThat(get("/static/htmx-2.0.11.min.js", null).statusCode()).isEqualTo(200);
        assertThat(get("/static/..%2Fconsole.css", null).statusCode()).isEqualTo(404);
        // The API is untouched by the console: a bearer key still answers JSON, a cookie alone does not authenticate it.
        assertThat(http.send(HttpRequest.newBuilder(console.server.uri("/v1/actions")).header("Cookie", alice.cookie()).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    }

    @Test
    void theSignInAndSignOutFormsTakeACsrfTokenSoNoOtherSiteSignsAnyoneInOrOut() throws Exception {
        // Login CSRF: a form posted from elsewhere, with a valid key, would sign this browser in as the attacker.
        HttpResponse<String> forged = post("/login/demo", null, "key=" + URLEncoder.encode(console.server.key("alice"), StandardCharsets.UTF_8));
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith("countersign_session="));
        HttpResponse<String> page = get("/login", null);
        String cookie = page.headers().firstValue("set-cookie").orElseThrow();
        HttpResponse<String> otherToken = post("/login/demo", cookie.substring(0, cookie.indexOf(';')),
                "key=" + URLEncoder.encode(console.server.key("alice"), StandardCharsets.UTF_8) + "&_csrf=guessed");
        assertThat(otherToken.statusCode()).isEqualTo(403);

        Browser alice = signIn("alice");
        HttpResponse<String> out = post("/logout", alice.cookie(), "_csrf=forged");
        assertThat(out.statusCode()).isEqualTo(403);
        assertThat(get("/inbox", alice.cookie()).statusCode()).as("still signed in").isEqualTo(200);
        assertThat(post("/logout", alice.cookie(), "_csrf=" + alice.csrf()).statusCode()).isEqualTo(303);
        assertThat(get("/inbox", alice.cookie()).statusCode()).isEqualTo(303);
    }

    @Test
    void aSessionFollowsTheIdentitiesInForceAndEndsWhenItsPersonIsRemovedOrDisabledOrDemoSignInIsTurnedOff() throws Exception {
        String id = console.submit("console.deploy", "rollout", "{}");
        Browser alice = signIn("alice");
        Browser bob = signIn("bob");
        Browser carol = signIn("carol");
        assertThat(get("/requests/" + id, alice.cookie()).body()).contains("name=\"decision\"");

        // alice leaves the reviewer groups: her session stays, her rights go with the next request.
        Path identities = config.resolve("identities.yaml");
        String text = java.nio.file.Files.readString(identities);
        java.nio.file.Files.writeString(identities, text.replace("    groups: [sre]\n    accounts: {slack: U0ALICE", "    groups: []\n    accounts: {slack: U0ALICE")
                .replace("  - id: bob\n", "  - id: bob\n    disabled: true\n"));
        console.server.node().reloadIdentities("test");
        HttpResponse<String> page = get("/requests/" + id, alice.cookie());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).doesNotContain("name=\"decision\"");
        HttpResponse<String> review = post("/requests/" + id + "/review", alice.cookie(), "_csrf=" + alice.csrf() + "&decision=approve");
        assertThat(review.statusCode()).isEqualTo(403);
        assertThat(review.body()).contains("Not counted");
        assertThat(get("/inbox", bob.cookie()).statusCode()).as("bob is disabled: every session of his ended").isEqualTo(303);

        // Demo sign-in turned off: every demo session ends, on every node, at its next request.
        String settings = java.nio.file.Files.readString(config.resolve("countersign.yaml"));
        java.nio.file.Files.writeString(config.resolve("countersign.yaml"), settings.replace("demo_login: true", "demo_login: false"));
        console.server.restart();
        assertThat(get("/inbox", carol.cookie()).statusCode()).isEqualTo(303);
    }
}
