package io.countersign.channels.teams;

import io.countersign.secrets.SecretReferences;
import io.countersign.web.WebSettings;
import io.countersign.yaml.ConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The {@code teams} section of {@code countersign.yaml}. Two ways to use Teams, alone or together:
 * <ul>
 *   <li>a <b>bot</b> ({@code app_id}, {@code client_secret}, {@code tenant_id}): review cards with Approve /
 *       Deny in the chat, sent to the {@code conversations} named here;</li>
 *   <li><b>Workflows</b> webhooks ({@code workflows}): notify only, with a link to the console.</li>
 * </ul>
 * A policy's {@code notify: ["teams:NAME"]} names a conversation or a workflow. Every Microsoft endpoint
 * is configurable so that tests run offline. Secrets (the client secret, workflow URLs, which carry a
 * signature) are {@code ${env:…}} / {@code ${file:…}} references; {@link #toString()} hides them.
 *
 * @param bot           null when Teams is notify-only
 * @param conversations conversation ids by the name policies use
 * @param workflows     Workflows webhook URLs by the name policies use
 * @param consoleUrl    the web console, for links in cards; null when there is none
 */
public record TeamsSettings(Bot bot, Map<String, String> conversations, Map<String, URI> workflows, URI consoleUrl) {
    static final String BOT_FRAMEWORK_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration";
    static final URI DEFAULT_SERVICE_URL = URI.create("https://smba.trafficmanager.net/teams/");
    private static final Set<String> KEYS = Set.of("app_id", "client_secret", "tenant_id", "allowed_tenants", "service_url",
            "service_url_hosts", "openid_metadata", "token_url", "conversations", "workflows", "console_url");

    /**
     * The bot's registration and the endpoints it talks to.
     *
     * @param appId           the bot's Entra app (client) id: the audience of inbound tokens
     * @param tenantId        the tenant the bot belongs to: where its own token comes from
     * @param allowedTenants  tenants whose activities are accepted ({@code channelData.tenant.id})
     * @param serviceUrl      the Bot Connector base that proactive messages go to
     * @param serviceUrlHosts hosts an inbound activity's {@code serviceUrl} may name
     * @param openIdMetadata  where the keys that sign inbound tokens are published
     * @param tokenUrl        the token endpoint for the bot's client-credentials token
     */
    public record Bot(String appId, String clientSecret, String tenantId, Set<String> allowedTenants, URI serviceUrl,
                      Set<String> serviceUrlHosts, List<URI> openIdMetadata, URI tokenUrl) {
        @Override
        public String toString() {
            return "Bot[appId=" + appId + ", tenantId=" + tenantId + ", serviceUrl=" + serviceUrl + "]";
        }

        /** Issuers of Bot Connector tokens: the Bot Framework's own, and Entra's for each allowed tenant. */
        Set<String> issuers() {
            Set<String> issuers = new LinkedHashSet<>();
            issuers.add("https://api.botframework.com");
            for (String tenant : allowedTenants) {
                issuers.add("https://sts.windows.net/" + tenant + "/");
                issuers.add("https://login.microsoftonline.com/" + tenant + "/v2.0");
            }
            return issuers;
        }
    }

    @Override
    public String toString() {
        return "TeamsSettings[bot=" + bot + ", conversations=" + conversations.keySet() + ", workflows=" + workflows.keySet() + "]";
    }

    /** A conversation's id, by the name policies use, or by the id itself. */
    public String conversation(String name) {
        return conversations.get(name);
    }

    /** Null when the section is absent: Teams is off. */
    public static TeamsSettings read(JsonNode node, Path directory, Function<String, String> environment, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of app_id, client_secret, tenant_id, conversations, workflows, …");
        }
        for (String key : node.propertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected one of " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
            }
        }
        SecretReferences secrets = new SecretReferences(directory, environment, new LinkedHashSet<>());
        Bot bot = node.has("app_id") ? bot(node, where, secrets) : null;
        if (bot == null) {
            for (String key : List.of("client_secret", "tenant_id", "allowed_tenants", "service_url", "service_url_hosts", "openid_metadata", "token_url", "conversations")) {
                if (node.has(key)) {
                    throw new ConfigException(where + "." + key + " needs app_id: it configures the bot, and without app_id Teams is notify-only");
                }
            }
        }
        Map<String, String> conversations = names(node.path("conversations"), where + ".conversations", value -> {
            if (!value.matches("[^\\s/?#]{1,256}")) {
                throw new ConfigException(where + ".conversations: '" + value + "' is not a Teams conversation id (19:…@thread.tacv2)");
            }
            return value;
        });
        Map<String, URI> workflows = names(node.path("workflows"), where + ".workflows", value -> url(
                secrets.secret(value, where + ".workflows", "${env:TEAMS_WORKFLOW_URL} (the URL carries its own signature)"),
                where + ".workflows", "the URL of a Workflows \"When a Teams webhook request is received\" trigger"));
        for (String name : conversations.keySet()) {
            if (workflows.containsKey(name)) {
                throw new ConfigException(where + ": '" + name + "' names both a conversation and a workflow; teams:" + name + " must name one");
            }
        }
        if (bot == null && workflows.isEmpty()) {
            throw new ConfigException(where + ": set app_id, client_secret and tenant_id (a bot with Approve / Deny in the chat), workflows (notify only), or both");
        }
        URI console = node.has("console_url") ? WebSettings.baseUrl(node.get("console_url"), where + ".console_url") : null;
        if (console == null && !workflows.isEmpty()) {
            throw new ConfigException(where + ".console_url is needed with workflows: a workflow card can only link to the console");
        }
        return new TeamsSettings(bot, conversations, workflows, console);
    }

    private static Bot bot(JsonNode node, String where, SecretReferences secrets) {
        String appId = required(node, "app_id", where);
        String tenant = required(node, "tenant_id", where);
        if (!node.has("client_secret")) {
            throw new ConfigException(where + ".client_secret is missing: the bot's client secret, e.g. ${env:TEAMS_CLIENT_SECRET}");
        }
        String secret = secrets.secret(node.path("client_secret").asString(""), where + ".client_secret", "${env:TEAMS_CLIENT_SECRET}");
        Set<String> tenants = new LinkedHashSet<>(List.of(tenant));
        tenants.addAll(list(node, "allowed_tenants", where));
        URI serviceUrl = node.has("service_url") ? url(node.get("service_url").asString(""), where + ".service_url", "the Bot Connector's base URL")
                : DEFAULT_SERVICE_URL;
        if (!serviceUrl.getPath().endsWith("/")) {
            serviceUrl = URI.create(serviceUrl + "/");
        }
        Set<String> hosts = new LinkedHashSet<>(list(node, "service_url_hosts", where));
        if (hosts.isEmpty()) {
            hosts.add(serviceUrl.getHost());
        }
        List<URI> metadata = new ArrayList<>();
        if (node.has("openid_metadata")) {
            List<String> given = node.get("openid_metadata").isArray() ? list(node, "openid_metadata", where)
                    : List.of(node.get("openid_metadata").asString(""));
            for (String url : given) {
                metadata.add(url(url, where + ".openid_metadata", "an OpenID metadata URL"));
            }
        } else {
            metadata.add(URI.create(BOT_FRAMEWORK_METADATA));
            metadata.add(URI.create("https://login.microsoftonline.com/" + tenant + "/v2.0/.well-known/openid-configuration"));
        }
        URI tokenUrl = url(node.path("token_url").asString("https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token"),
                where + ".token_url", "the token endpoint");
        return new Bot(appId, secret, tenant, Set.copyOf(tenants), serviceUrl, Set.copyOf(hosts), List.copyOf(metadata), tokenUrl);
    }

    private static String required(JsonNode node, String key, String where) {
        String value = node.path(key).asString("");
        if (!value.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new ConfigException(where + "." + key + (value.isEmpty() ? " is missing" : " is not an id") + " (the bot's " + key.replace('_', ' ') + " from Azure)");
        }
        return value;
    }

    private static List<String> list(JsonNode node, String key, String where) {
        JsonNode list = node.get(key);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException(where + "." + key + " must be a list");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode value : list.values()) {
            if (!value.isString() || value.stringValue().isBlank()) {
                throw new ConfigException(where + "." + key + " must be a list of text");
            }
            values.add(value.stringValue());
        }
        return values;
    }

    private static <T> Map<String, T> names(JsonNode node, String where, Function<String, T> value) {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of name to value");
        }
        Map<String, T> values = new LinkedHashMap<>();
        for (String name : node.propertyNames()) {
            if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new ConfigException(where + ": '" + name + "' is not a name (letters, digits, '.', '_', '-')");
            }
            values.put(name, value.apply(node.get(name).asString("")));
        }
        return Map.copyOf(values);
    }

    private static URI url(String text, String where, String what) {
        URI url;
        try {
            url = URI.create(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + " must be " + what + "; it is not a URL");
        }
        if (!("https".equals(url.getScheme()) || "http".equals(url.getScheme())) || url.getHost() == null) {
            throw new ConfigException(where + " must be " + what + " (http or https, with a host)");
        }
        return url;
    }
}
