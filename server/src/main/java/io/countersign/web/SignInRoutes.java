package io.countersign.web;

import io.countersign.identity.Identities;
import io.countersign.model.Principal;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Signing in and out of the console: single sign-on through OpenID Connect, and, in the demo profile
 * only, a form that takes a demo human's API key.
 */
public final class SignInRoutes implements HttpService {
    private static final System.Logger LOG = System.getLogger(SignInRoutes.class.getName());

    private final WebSettings settings;
    private final Sessions sessions;
    private final OidcSignIn oidc;
    private final Supplier<Identities> identities;
    private final java.time.Clock clock;

    /** @param oidc null when no identity provider is configured */
    public SignInRoutes(WebSettings settings, Sessions sessions, OidcSignIn oidc, Supplier<Identities> identities, java.time.Clock clock) {
        this.settings = settings;
        this.sessions = sessions;
        this.oidc = oidc;
        this.identities = identities;
        this.clock = clock;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/login", this::page)
                .get("/login/oidc", this::startOidc)
                .get("/login/callback", this::callback)
                .post("/login/demo", this::demo)
                .post("/logout", this::logout);
    }

    private void page(ServerRequest request, ServerResponse response) {
        String next = ConsoleHttp.safeReturn(request.query().first("next").orElse("/inbox"));
        showPage(request, response, Status.OK_200, null, next);
    }

    /** The sign-in page, with a fresh CSRF token for its form when the browser has none yet. */
    private void showPage(ServerRequest request, ServerResponse response, Status status, String error, String next) {
        String csrf = ConsoleHttp.cookie(request, ConsoleHttp.LOGIN_CSRF_COOKIE).filter(token -> token.length() == 43).orElse(null);
        if (csrf == null) {
            csrf = Sessions.randomToken();
            ConsoleHttp.setCookie(response, ConsoleHttp.LOGIN_CSRF_COOKIE, csrf, Duration.ofHours(1), settings.secureCookies());
        }
        ConsoleHttp.render(response, status, "login.jte", new ConsoleViews.SignIn(error, next, settings.demoLogin(), oidc != null, csrf));
    }

    private void startOidc(ServerRequest request, ServerResponse response) {
        String next = ConsoleHttp.safeReturn(request.query().first("next").orElse("/inbox"));
        if (oidc == null) {
            showPage(request, response, Status.NOT_FOUND_404, "Single sign-on is not configured on this server.", next);
            return;
        }
        try {
            OidcSignIn.Started started = oidc.start(next, request.remotePeer().host());
            ConsoleHttp.setCookie(response, ConsoleHttp.SIGN_IN_COOKIE, started.browserBinding(), Duration.ofMinutes(10), settings.secureCookies());
            ConsoleHttp.redirect(response, started.authorizationUrl().toString());
        } catch (OidcSignIn.SignInFailed e) {
            LOG.log(Level.WARNING, "single sign-on could not start: " + e.getMessage());
            showPage(request, response, e.tooMany() ? Status.TOO_MANY_REQUESTS_429 : Status.BAD_GATEWAY_502, "Sign-in failed: " + e.getMessage(), next);
        }
    }

    private void callback(ServerRequest request, ServerResponse response) {
        if (oidc == null) {
            showPage(request, response, Status.NOT_FOUND_404, "Single sign-on is not configured on this server.", "/inbox");
            return;
        }
        var query = request.query();
        try {
            OidcSignIn.Finished finished = oidc.finish(query.first("code").orElse(null), query.first("state").orElse(null),
                    query.first("error").orElse(null), ConsoleHttp.cookie(request, ConsoleHttp.SIGN_IN_COOKIE).orElse(null));
            ConsoleHttp.clearCookie(response, ConsoleHttp.SIGN_IN_COOKIE, settings.secureCookies());
            begin(response, finished.principal(), "oidc", finished.returnTo());
        } catch (OidcSignIn.SignInFailed e) {
            LOG.log(Level.WARNING, "a single sign-on was refused: " + e.getMessage());
            showPage(request, response, Status.UNAUTHORIZED_401, "Sign-in failed: " + e.getMessage(), "/inbox");
        }
    }

    private void demo(ServerRequest request, ServerResponse response) {
        Map<String, String> form = ConsoleHttp.form(request);
        String next = ConsoleHttp.safeReturn(form.get("next"));
        if (!settings.demoLogin()) {
            showPage(request, response, Status.NOT_FOUND_404, "Demo sign-in is off on this server.", next);
            return;
        }
        String csrf = ConsoleHttp.cookie(request, ConsoleHttp.LOGIN_CSRF_COOKIE).orElse(null);
        if (csrf == null || !java.security.MessageDigest.isEqual(csrf.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                form.getOrDefault("_csrf", "").getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            // A form posted from another site (login CSRF): it would sign this browser in as someone else.
            showPage(request, response, Status.FORBIDDEN_403, "This sign-in form has expired; sign in again.", next);
            return;
        }
        Optional<Principal> principal = identities.get().byApiKey(form.getOrDefault("key", ""), clock.instant());
        if (principal.isEmpty() || !principal.get().isHuman()) {
            // One answer for unknown keys and keys of agents: nothing to learn by probing.
            showPage(request, response, Status.UNAUTHORIZED_401, "That key does not belong to a human in the demo identities.", next);
            return;
        }
        begin(response, principal.get(), "demo", next);
    }

    private void begin(ServerResponse response, Principal principal, String method, String next) {
        ConsoleSession session = sessions.create(principal, method);
        ConsoleHttp.setCookie(response, ConsoleHttp.SESSION_COOKIE, session.id(), sessions.ttl(), settings.secureCookies());
        LOG.log(Level.INFO, principal.id() + " signed in to the console (" + method + ")");
        ConsoleHttp.redirect(response, next);
    }

    /** Signing out takes the session's CSRF token: another site cannot sign anyone out. */
    private void logout(ServerRequest request, ServerResponse response) {
        Optional<ConsoleSession> session = ConsoleHttp.cookie(request, ConsoleHttp.SESSION_COOKIE).flatMap(sessions::find);
        Map<String, String> form = ConsoleHttp.form(request);
        if (session.isPresent() && !Sessions.csrfMatches(session.get(), form.get("_csrf"))) {
            showPage(request, response, Status.FORBIDDEN_403, "That sign-out did not come from this console; you are still signed in.", "/inbox");
            return;
        }
        session.ifPresent(s -> sessions.end(s.id()));
        ConsoleHttp.clearCookie(response, ConsoleHttp.SESSION_COOKIE, settings.secureCookies());
        ConsoleHttp.redirect(response, "/login");
    }
}
