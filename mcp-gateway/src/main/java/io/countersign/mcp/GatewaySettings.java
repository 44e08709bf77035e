package io.countersign.mcp;

import io.countersign.policy.DurationText;
import io.countersign.secrets.SecretReferences;
import io.countersign.yaml.ConfigException;
import io.countersign.yaml.Yaml;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The MCP gateway's settings file: the upstream MCP servers it fronts, and how it treats calls that
 * must wait for people.
 *
 * @param env        {@code resource.env} of every call, so policy can tell prod from dev
 * @param hold       how long a call that needs approval is held open before the gateway answers "pending"
 * @param pendingAsError whether that answer is a tool error (true) or an ordinary tool result saying so
 * @param hideDenied whether tools/list leaves out tools the policy denies whatever their arguments
 * @param timeout    the longest an upstream tools/call may take
 * @param refuseChangedTools whether a call to a tool whose definition changed since it was first seen (in any session of
 *                   this principal) is refused by the gateway ({@code on_tool_change: refuse}); by default it is put to
 *                   Countersign marked {@code tool_changed}, where policy holds it for review
 */
public record GatewaySettings(String env, Duration hold, boolean pendingAsError, boolean hideDenied, Duration timeout,
                              List<Upstream> servers, boolean refuseChangedTools) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> TOP = Set.of("env", "hold", "on_pending", "hide_denied", "timeout", "servers", "on_tool_change");
    private static final Set<String> SERVER = Set.of("command", "env", "url", "headers", "labels", "tools", "only_listed_tools");

    /** An upstream MCP server: a command speaking stdio, or a Streamable HTTP URL; and what its tools' calls are labelled. */
    public sealed interface Upstream {
        String name();

        ToolLabels labels();

        record Command(String name, List<String> argv, Map<String, String> env, ToolLabels labels) implements Upstream {
            @Override
            public String toString() {
                return "Command[" + name + ", " + argv.getFirst() + "]";
            }
        }

        record Url(String name, URI url, Map<String, String> headers, ToolLabels labels) implements Upstream {
            /** The URL as errors and logs may show it: without a user's password or a query, either of which may hold a secret. */
            public String shown() {
                return url.getScheme() + "://" + url.getHost() + (url.getPort() == -1 ? "" : ":" + url.getPort()) + url.getRawPath();
            }

            @Override
            public String toString() {
                return "Url[" + name + ", " + shown() + "]";
            }
        }
    }

    public static GatewaySettings load(Path file, Function<String, String> environment) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        String where = file.getFileName().toString();
        JsonNode root = Yaml.parse(where, text);
        if (root == null || !root.isObject()) {
            throw new ConfigException(where + ": expected a mapping with 'servers'");
        }
        for (String key : root.propertyNames()) {
            if (!TOP.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected " + String.join(", ", TOP.stream().sorted().toList()) + ")");
            }
        }
        String onPending = root.path("on_pending").asString("result");
        if (!onPending.equals("result") && !onPending.equals("error")) {
            throw new ConfigException(where + ": on_pending must be result or error, not '" + onPending + "'");
        }
        String onToolChange = root.path("on_tool_change").asString("hold");
        if (!onToolChange.equals("hold") && !onToolChange.equals("refuse")) {
            throw new ConfigException(where + ": on_tool_change must be hold or refuse, not '" + onToolChange + "'");
        }
        SecretReferences secrets = new SecretReferences(file.toAbsolutePath().getParent(), environment, new LinkedHashSet<>());
        List<Upstream> servers = new ArrayList<>();
        JsonNode list = root.path("servers");
        if (!list.isObject() || list.isEmpty()) {
            throw new ConfigException(where + ": servers must name at least one upstream MCP server (command or url)");
        }
        for (var entry : list.properties()) {
            servers.add(upstream(entry.getKey(), entry.getValue(), where + ": servers." + entry.getKey(), secrets));
        }
        return new GatewaySettings(root.path("env").asString("prod"), duration(root, "hold", "30s", where),
                onPending.equals("error"), root.path("hide_denied").asBoolean(true), duration(root, "timeout", "60s", where), List.copyOf(servers),
                onToolChange.equals("refuse"));
    }

    private static Duration duration(JsonNode root, String key, String fallback, String where) {
        Duration value = DurationText.parse(root.path(key).asString(fallback));
        if (value == null || value.isNegative() || value.compareTo(Duration.ofHours(1)) > 0) {
            throw new ConfigException(where + ": " + key + " must be a duration up to 1h, e.g. " + fallback);
        }
        return value;
    }

    private static Upstream upstream(String name, JsonNode node, String where, SecretReferences secrets) {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigException(where + ": a server name is letters, digits, '_' or '-' (it becomes part of action names mcp.<server>.<tool>)");
        }
        if (!node.isObject() || node.has("command") == node.has("url")) {
            throw new ConfigException(where + ": give exactly one of command (a list: program and arguments) or url");
        }
        for (String key : node.propertyNames()) {
            if (!SERVER.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "' (expected " + String.join(", ", SERVER.stream().sorted().toList()) + ")");
            }
        }
        ToolLabels labels = ToolLabels.read(node, where);
        if (node.has("command")) {
            List<String> argv = new ArrayList<>();
            node.get("command").values().forEach(a -> argv.add(a.asString("")));
            if (argv.isEmpty() || argv.getFirst().isBlank()) {
                throw new ConfigException(where + ".command must be a list: the program, then its arguments");
            }
            return new Upstream.Command(name, List.copyOf(argv), strings(node.path("env"), where + ".env", secrets), labels);
        }
        URI url;
        try {
            url = URI.create(node.get("url").asString(""));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".url is not a URL");
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw new ConfigException(where + ".url must be an http(s) URL of a Streamable HTTP MCP endpoint");
        }
        return new Upstream.Url(name, url, strings(node.path("headers"), where + ".headers", secrets), labels);
    }

    private static Map<String, String> strings(JsonNode node, String where, SecretReferences secrets) {
        Map<String, String> values = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return values;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must be a mapping of names to text");
        }
        for (var entry : node.properties()) {
            values.put(entry.getKey(), secrets.fill(entry.getValue().asString(""), where + "." + entry.getKey()));
        }
        return values;
    }
}
