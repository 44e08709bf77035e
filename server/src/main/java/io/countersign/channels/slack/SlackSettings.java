package io.countersign.channels.slack;

import io.countersign.secrets.SecretReferences;
import io.countersign.web.WebSettings;
import io.countersign.yaml.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The {@code slack} section of {@code countersign.yaml}. The bot token, signing secret and app token are
 * {@code ${env:…}} or {@code ${file:…}} references, never values in the file; {@link #toString()} hides them.
 * Clicks arrive over HTTP (the request URL, checked with the signing secret), over Socket Mode (the
 * app-level token opens the socket; for deployments without a public URL), or both.
 *
 * @param signingSecret null when clicks arrive only over Socket Mode
 * @param appToken   the app-level token ({@code xapp-…}) that turns Socket Mode on; null for HTTP only
 * @param apiUrl     Slack's Web API base; a local fake in tests
 * @param consoleUrl the web console, for links in messages; null when there is none
 * @param teamId     when set, only interactions from this workspace ({@code team.id}) are accepted
 * @param appId      when set, only interactions for this app ({@code api_app_id}) are accepted
 */
public record SlackSettings(String botToken, String signingSecret, String appToken, String apiUrl, URI consoleUrl, String teamId, String appId) {
    private static final Set<String> KEYS = Set.of("bot_token", "signing_secret", "app_token", "api_url", "console_url", "team_id", "app_id");

    @Override
    public String toString() {
        return "SlackSettings[apiUrl=" + apiUrl + ", consoleUrl=" + consoleUrl + ", socketMode=" + socketMode() + "]";
    }

    public boolean socketMode() {
        return appToken != null;
    }

    /** Whether the HTTP request URL takes clicks: only with a secret to check them against. */
    public boolean requestUrl() {
        return signingSecret != null;
    }

    /** Null when the section is absent: Slack is off. */
    public static SlackSettings read(JsonNode node, Path directory, Function<String, String> environment, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of bot_token, signing_secret, app_token, api_url, console_url");
        }
        for (String key : node.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected bot_token, signing_secret, app_token, api_url, console_url, team_id, app_id)");
            }
        }
        SecretReferences secrets = new SecretReferences(directory, environment, new LinkedHashSet<>());
        String token = secret(node, "bot_token", where, secrets);
        if (!node.has("signing_secret") && !node.has("app_token")) {
            throw new ConfigException(where + ": set signing_secret (clicks to the HTTP request URL), app_token (Socket Mode), or both;"
                    + " without either, no click could reach Countersign");
        }
        String signing = node.has("signing_secret") ? secret(node, "signing_secret", where, secrets) : null;
        String appToken = node.has("app_token") ? secret(node, "app_token", where, secrets) : null;
        String api = node.path("api_url").asString("https://slack.com/api/");
        URI console = node.has("console_url") ? WebSettings.baseUrl(node.get("console_url"), where + ".console_url") : null;
        String team = node.has("team_id") ? node.get("team_id").asString("") : null;
        String app = node.has("app_id") ? node.get("app_id").asString("") : null;
        return new SlackSettings(token, signing, appToken, api, console, team, app);
    }

    private static String secret(JsonNode node, String key, String where, SecretReferences secrets) {
        return secrets.secret(node.path(key).asString(""), where + "." + key, "${env:SLACK_" + key.toUpperCase(java.util.Locale.ROOT)
                + "} or ${file:secrets/slack-" + key.replace('_', '-') + "}");
    }
}
