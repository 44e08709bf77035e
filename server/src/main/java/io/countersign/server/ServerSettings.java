package io.countersign.server;

import io.countersign.policy.DurationText;
import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import io.countersign.lifecycle.SubmissionLimits;
import java.util.List;
import java.util.ArrayList;
import java.net.URI;
import io.countersign.channels.slack.SlackSettings;
import io.countersign.channels.teams.TeamsSettings;
import io.countersign.web.WebSettings;
import io.countersign.webhooks.Callbacks;
import io.countersign.webhooks.WebhookEndpoint;
import io.countersign.webhooks.WebhookSignature;
import tools.jackson.databind.JsonNode;

/**
 * The settings of {@code countersign.yaml}, with paths resolved against the configuration directory.
 *
 * @param store where actions, reviews and the audit log are kept
 */
public record ServerSettings(Path directory, StoreSettings store, Path identitiesFile, Path policyDirectory, Path resourcesFile, Path connectorsFile,
                             long maxBodyBytes, Duration maxWait, String auditOrigin, Duration grantTtl,
                             List<WebhookEndpoint> webhooks, Callbacks callbacks, SlackSettings slack,
                             TeamsSettings teams, WebSettings web, SubmissionLimits limits, Duration idleTimeout,
                             Duration bodyTimeout, io.countersign.aws.AwsSettings aws,
                             io.countersign.kubernetes.KubernetesSettings kubernetes) {
    private static final Set<String> TOP = Set.of("store", "identities", "policies", "resources", "connectors", "http", "audit", "grants", "webhooks",
            "callbacks", "slack", "teams", "web", "limits", "aws", "kubernetes");

    /** The key that signs grants (a private Ed25519 JWK): written on first start, owner-readable only. */
    public Path grantKeyFile() {
        return directory.resolve("keys").resolve("grants.jwk");
    }

    /** The log's signing key: written on first start, owner-readable only. */
    public Path auditKeyFile() {
        return directory.resolve("audit").resolve("log.key");
    }

    /** The last checkpoint the log signed; kept beside the key so a rolled-back store is noticed. */
    public Path auditCheckpointFile() {
        return directory.resolve("audit").resolve("checkpoint");
    }

    public static ServerSettings load(Path directory) {
        Path file = directory.resolve(ConfigDirectory.SETTINGS);
        JsonNode root;
        try {
            root = Yaml.parse(ConfigDirectory.SETTINGS, Files.readString(file));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": expected a mapping");
        }
        for (String key : root.propertyNames()) {
            if (!TOP.contains(key)) {
                throw new ConfigException(ConfigDirectory.SETTINGS + ": unknown key '" + key + "'");
            }
        }
        long maxBody = root.path("http").path("max_body_bytes").asLong(1_048_576);
        if (maxBody < 1024 || maxBody > 64L * 1024 * 1024) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": http.max_body_bytes must be from 1024 to 67108864");
        }
        Duration maxWait = DurationText.parse(text(root.path("http"), "max_wait", "60s"));
        if (maxWait == null || maxWait.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": http.max_wait must be a duration up to 10m, e.g. 60s");
        }
        Duration idleTimeout = DurationText.parse(text(root.path("http"), "idle_timeout", "10s"));
        if (idleTimeout == null || idleTimeout.compareTo(Duration.ofSeconds(1)) < 0 || idleTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": http.idle_timeout must be a duration from 1s to 5m, e.g. 10s");
        }
        Duration bodyTimeout = DurationText.parse(text(root.path("http"), "body_timeout", "20s"));
        if (bodyTimeout == null || bodyTimeout.compareTo(Duration.ofSeconds(1)) < 0 || bodyTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": http.body_timeout must be a duration from 1s to 10m, e.g. 20s");
        }
        String origin = text(root.path("audit"), "origin", null);
        if (origin != null && !io.countersign.audit.SignedNote.isValidKeyName(origin)) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": audit.origin must be a name without spaces or '+', e.g. audit.example.com/prod");
        }
        Duration grantTtl = DurationText.parse(text(root.path("grants"), "ttl", "5m"));
        if (grantTtl == null || grantTtl.compareTo(Duration.ofSeconds(10)) < 0 || grantTtl.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": grants.ttl must be a duration from 10s to 1h, e.g. 5m");
        }
        return new ServerSettings(directory, StoreSettings.read(root.get("store"), directory, System::getenv, ConfigDirectory.SETTINGS + ": store"),
                directory.resolve(text(root, "identities", "identities.yaml")),
                directory.resolve(text(root, "policies", "policies")), directory.resolve(text(root, "resources", "resources.yaml")),
                directory.resolve(text(root, "connectors", "connectors.yaml")), maxBody, maxWait, origin, grantTtl,
                webhooks(root.path("webhooks")), callbacks(root.path("callbacks")),
                SlackSettings.read(root.get("slack"), directory, System::getenv, ConfigDirectory.SETTINGS + ": slack"),
                TeamsSettings.read(root.get("teams"), directory, System::getenv, ConfigDirectory.SETTINGS + ": teams"),
                WebSettings.read(root.get("web"), directory, System::getenv, ConfigDirectory.SETTINGS + ": web"),
                limits(root.path("limits")), idleTimeout, bodyTimeout,
                io.countersign.aws.AwsSettings.read(root.get("aws"), directory, System::getenv, ConfigDirectory.SETTINGS + ": aws"),
                io.countersign.kubernetes.KubernetesSettings.read(root.get("kubernetes"), ConfigDirectory.SETTINGS + ": kubernetes"));
    }

    /** {@code limits: {max_pending, per_second, burst}}, each defaulting to {@link SubmissionLimits#DEFAULT}. */
    static SubmissionLimits limits(JsonNode node) {
        String where = ConfigDirectory.SETTINGS + ": limits";
        if (node.isMissingNode() || node.isNull()) {
            return SubmissionLimits.DEFAULT;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping with max_pending, per_second and burst");
        }
        for (String key : node.propertyNames()) {
            if (!Set.of("max_pending", "per_second", "burst").contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected max_pending, per_second, burst)");
            }
        }
        SubmissionLimits defaults = SubmissionLimits.DEFAULT;
        return new SubmissionLimits(
                (int) limit(node, "max_pending", defaults.maxPending(), where),
                limit(node, "per_second", defaults.perSecond(), where),
                (int) limit(node, "burst", defaults.burst(), where));
    }

    private static double limit(JsonNode node, String key, double fallback, String where) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber() || value.asDouble() < 1 || value.asDouble() > 1_000_000) {
            throw new ConfigException(where + "." + key + " must be a number from 1 to 1000000, got " + value);
        }
        return value.asDouble();
    }

    private static Callbacks callbacks(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return Callbacks.DISABLED;
        }
        String where = ConfigDirectory.SETTINGS + ": callbacks";
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of allowed_hosts, secret, retry");
        }
        for (String key : node.propertyNames()) {
            if (!Set.of("allowed_hosts", "secret", "retry").contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected allowed_hosts, secret, retry)");
            }
        }
        List<Callbacks.Origin> origins = new ArrayList<>();
        for (JsonNode host : node.path("allowed_hosts").values()) {
            try {
                origins.add(Callbacks.Origin.parse(host.asString("")));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ".allowed_hosts: " + e.getMessage());
            }
        }
        if (origins.isEmpty()) {
            throw new ConfigException(where + ".allowed_hosts: list at least one origin agents may be called back on");
        }
        List<Duration> retry = retry(node, where, Callbacks.DEFAULT_RETRY);
        if (retry.size() > Callbacks.MOST_RETRIES || retry.stream().anyMatch(wait -> wait.compareTo(Callbacks.LONGEST_WAIT) > 0)) {
            throw new ConfigException(where + ".retry: at most " + Callbacks.MOST_RETRIES + " waits of at most 1h each: callbacks are for "
                    + "agents running now");
        }
        return new Callbacks(origins, secret(node, where), retry);
    }

    private static byte[] secret(JsonNode node, String where) {
        try {
            return WebhookSignature.key(node.path("secret").asString(null));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".secret: " + e.getMessage());
        }
    }

    private static List<Duration> retry(JsonNode node, String where, List<Duration> fallback) {
        if (!node.has("retry")) {
            return fallback;
        }
        List<Duration> retry = new ArrayList<>();
        for (JsonNode wait : node.get("retry").values()) {
            Duration parsed = DurationText.parse(wait.asString(""));
            if (parsed == null) {
                throw new ConfigException(where + ".retry: '" + wait.asString("") + "' is not a duration such as 5s or 30m");
            }
            retry.add(parsed);
        }
        return retry;
    }

    private static List<WebhookEndpoint> webhooks(JsonNode list) {
        if (list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": webhooks must be a list of {url, secret}");
        }
        List<WebhookEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            String where = ConfigDirectory.SETTINGS + ": webhooks[" + i + "]";
            for (String key : item.propertyNames()) {
                if (!Set.of("url", "secret", "retry").contains(key)) {
                    throw new ConfigException(where + ": unknown key '" + key + "' (expected url, secret, retry)");
                }
            }
            URI url;
            try {
                url = URI.create(item.path("url").asString(""));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(where + ".url is not a URL");
            }
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
                throw new ConfigException(where + ".url must be an http(s) URL with a host");
            }
            byte[] key = secret(item, where);
            List<Duration> retry = retry(item, where, WebhookEndpoint.STANDARD_RETRY);
            endpoints.add(new WebhookEndpoint(url, key, retry));
        }
        return endpoints;
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isString()) {
            throw new ConfigException(ConfigDirectory.SETTINGS + ": '" + key + "' must be text");
        }
        return value.stringValue();
    }
}
