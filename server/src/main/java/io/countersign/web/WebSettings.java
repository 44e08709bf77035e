package io.countersign.web;

import io.countersign.policy.DurationText;
import io.countersign.secrets.SecretReferences;
import io.countersign.yaml.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The {@code web} section of {@code countersign.yaml}: the console's address, how people sign in, and
 * how long a session lasts.
 *
 * @param publicUrl  where browsers reach the console, ending in {@code /}; the OIDC redirect URI is
 *                   built from it, and cookies are {@code Secure} when it is https. Null: not known
 * @param demoLogin  sign-in with a demo principal's API key; for the demo profile only
 * @param oidc       single sign-on, or null
 * @param sessionTtl how long a sign-in lasts
 */
public record WebSettings(URI publicUrl, boolean demoLogin, Oidc oidc, Duration sessionTtl) {
    public static final WebSettings DEFAULT = new WebSettings(null, false, null, Duration.ofHours(8));

    /** What becomes of someone who signs in by SSO but whom the identities file does not know. */
    public enum Unmapped {
        /** Refused: nobody becomes a principal the identities file does not list (the default). */
        REFUSE,
        /** Signed in with no groups and no roles: reads the console, never reviews. */
        READ_ONLY
    }

    /**
     * An OpenID Connect provider (authorization code flow with PKCE).
     *
     * @param groupsClaim the ID token (or userinfo) claim that lists the user's groups; null to take groups from the identities file
     * @param unmapped    what becomes of a signed-in user the identities file does not know
     * @param emailCase   how the part of an address before the {@code @} compares: exactly (every provider guarantees
     *                    that much), or without case for a provider that guarantees its mailboxes have none
     */
    public record Oidc(URI issuer, String clientId, String clientSecret, String groupsClaim, List<String> scopes, Unmapped unmapped,
                       io.countersign.identity.Emails.LocalPart emailCase) {
        @Override
        public String toString() {
            return "Oidc[issuer=" + issuer + ", clientId=" + clientId + "]";
        }
    }

    public boolean secureCookies() {
        return publicUrl != null && "https".equals(publicUrl.getScheme());
    }

    public static WebSettings read(JsonNode node, Path directory, Function<String, String> environment, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return DEFAULT;
        }
        keys(node, where, Set.of("public_url", "demo_login", "oidc", "session_ttl"));
        URI publicUrl = null;
        if (node.has("public_url")) {
            publicUrl = baseUrl(node.get("public_url"), where + ".public_url");
        }
        JsonNode demo = node.path("demo_login");
        if (!demo.isMissingNode() && !demo.isBoolean()) {
            throw new ConfigException(where + ".demo_login must be true or false");
        }
        Duration ttl = DEFAULT.sessionTtl();
        if (node.has("session_ttl")) {
            ttl = DurationText.parse(node.get("session_ttl").asString(""));
            if (ttl == null || ttl.compareTo(Duration.ofMinutes(5)) < 0 || ttl.compareTo(Duration.ofDays(7)) > 0) {
                throw new ConfigException(where + ".session_ttl must be a duration from 5m to 7d, e.g. 8h");
            }
        }
        Oidc oidc = null;
        if (node.has("oidc")) {
            if (publicUrl == null) {
                throw new ConfigException(where + ".oidc needs " + where + ".public_url: the redirect URI registered with the IdP is built from it");
            }
            oidc = oidc(node.get("oidc"), directory, environment, where + ".oidc");
        }
        return new WebSettings(publicUrl, demo.asBoolean(false), oidc, ttl);
    }

    private static Oidc oidc(JsonNode node, Path directory, Function<String, String> environment, String where) {
        keys(node, where, Set.of("issuer", "client_id", "client_secret", "groups_claim", "scopes", "unmapped", "case_insensitive_email"));
        URI issuer = url(node.get("issuer"), where + ".issuer");
        String clientId = node.path("client_id").asString("");
        if (clientId.isBlank()) {
            throw new ConfigException(where + ".client_id is required");
        }
        String secret = null;
        if (node.has("client_secret")) {
            secret = new SecretReferences(directory, environment, new LinkedHashSet<>())
                    .secret(node.get("client_secret").asString(""), where + ".client_secret", "${env:OIDC_CLIENT_SECRET}");
        }
        List<String> scopes = new ArrayList<>();
        node.path("scopes").values().forEach(scope -> scopes.add(scope.asString("")));
        if (scopes.isEmpty()) {
            scopes.addAll(List.of("openid", "email", "profile"));
        } else if (!scopes.contains("openid")) {
            throw new ConfigException(where + ".scopes must include openid");
        }
        String groupsClaim = node.has("groups_claim") ? node.get("groups_claim").asString("") : null;
        Unmapped unmapped = switch (node.path("unmapped").asString("refuse")) {
            case "refuse" -> Unmapped.REFUSE;
            case "read_only" -> Unmapped.READ_ONLY;
            default -> throw new ConfigException(where + ".unmapped must be refuse (the default) or read_only");
        };
        JsonNode caseless = node.path("case_insensitive_email");
        if (!caseless.isMissingNode() && !caseless.isBoolean()) {
            throw new ConfigException(where + ".case_insensitive_email must be true or false");
        }
        return new Oidc(issuer, clientId, secret, groupsClaim == null || groupsClaim.isBlank() ? null : groupsClaim, List.copyOf(scopes),
                unmapped, caseless.asBoolean(false) ? io.countersign.identity.Emails.LocalPart.CASE_INSENSITIVE
                        : io.countersign.identity.Emails.LocalPart.EXACT);
    }

    private static void keys(JsonNode node, String where, Set<String> allowed) {
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of " + String.join(", ", allowed));
        }
        for (String key : node.propertyNames()) {
            if (!allowed.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    /**
     * Where the console is, as links in chat and redirects need it: an http(s) URL ending in {@code /}, so
     * that {@code requests/ID} resolves under it.
     */
    public static URI baseUrl(JsonNode value, String where) {
        URI url = url(value, where);
        return url.getPath().endsWith("/") ? url : URI.create(url + "/");
    }

    private static URI url(JsonNode value, String where) {
        String text = value == null ? "" : value.asString("");
        try {
            URI uri = URI.create(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ConfigException(where + " must be an http(s) URL, e.g. https://countersign.example.com/");
    }
}
