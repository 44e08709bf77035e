package io.countersign.web;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.countersign.api.RequestBodies;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What every console response shares: rendering a page, the session cookie, form bodies, and the
 * headers that keep pages from being framed, sniffed or running any script but our own.
 */
final class ConsoleHttp {
    static final String SESSION_COOKIE = "countersign_session";
    static final String SIGN_IN_COOKIE = "countersign_signin";
    /** The sign-in form's CSRF token, before there is a session to hold one: the form must echo the cookie. */
    static final String LOGIN_CSRF_COOKIE = "countersign_login";
    static final HeaderName HX_REQUEST = HeaderNames.create("HX-Request");
    static final HeaderName HX_REDIRECT = HeaderNames.create("HX-Redirect");
    static final HeaderName CSRF_HEADER = HeaderNames.create("X-CSRF-Token");
    private static final long MAX_FORM = 64 * 1024;
    /** Generated classes only: templates are compiled at build time. */
    private static final TemplateEngine TEMPLATES = TemplateEngine.createPrecompiled(ContentType.Html);

    private ConsoleHttp() {
    }

    static void render(ServerResponse response, Status status, String template, Object model) {
        StringOutput output = new StringOutput();
        TEMPLATES.render(template, model, output);
        secure(response);
        response.status(status);
        response.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
        response.header(HeaderNames.CACHE_CONTROL, "no-store");
        response.send(output.toString().getBytes(StandardCharsets.UTF_8));
    }

    static void secure(ServerResponse response) {
        response.header(HeaderNames.create("Content-Security-Policy"),
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        response.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
        response.header(HeaderNames.create("Referrer-Policy"), "same-origin");
        response.header(HeaderNames.create("X-Frame-Options"), "DENY");
    }

    static void redirect(ServerResponse response, String location) {
        secure(response);
        response.status(Status.SEE_OTHER_303);
        response.header(HeaderNames.LOCATION, location);
        response.send();
    }

    static Optional<String> cookie(ServerRequest request, String name) {
        return request.headers().cookies().first(name).asOptional();
    }

    static void setCookie(ServerResponse response, String name, String value, Duration maxAge, boolean secure) {
        response.headers().addCookie(SetCookie.builder(name, value)
                .path("/")
                .httpOnly(true)
                .secure(secure)
                .sameSite(SetCookie.SameSite.LAX)
                .maxAge(maxAge)
                .build());
    }

    static void clearCookie(ServerResponse response, String name, boolean secure) {
        setCookie(response, name, "", Duration.ZERO, secure);
    }

    /** A posted form, within a size limit. */
    static Map<String, String> form(ServerRequest request) {
        return RequestBodies.form(RequestBodies.raw(request, MAX_FORM));
    }

    /** The longest page address a sign-in goes back to; the console's own are far shorter. */
    static final int MAX_RETURN = 256;

    /** A path on this console to return to after sign-in; anything else (another host, {@code //x}) goes to the inbox. */
    static String safeReturn(String path) {
        // Kept with every sign-in under way: a page of the console, not an attacker-sized string.
        if (path == null || path.length() > MAX_RETURN || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")
                || path.contains("\r") || path.contains("\n")) {
            return "/inbox";
        }
        return path;
    }
}
