package io.countersign.mcp;

import io.countersign.yaml.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * What the operator says of one upstream server's tools, for policy: labels for all its tools and per tool,
 * and whether tools the settings do not list are offered at all. This, not the upstream server, is where a
 * call's labels come from: an upstream may describe a destructive tool as read-only (its annotations are
 * claims) or name a tool so that its action matches a rule; neither moves what policy sees.
 *
 * @param server     labels of every tool of the server ({@code labels:})
 * @param tools      labels per listed tool ({@code tools: {write_file: {labels: {destructive: "true"}}}})
 * @param onlyListed whether tools not in {@code tools} are left out of {@code tools/list} and refused
 */
public record ToolLabels(Map<String, String> server, Map<String, Map<String, String>> tools, boolean onlyListed) {
    /** The labels every call carries unless the settings say otherwise: MCP's own defaults for a tool that says nothing. */
    static final Map<String, String> DEFAULTS = Map.of("read_only", "false", "destructive", "true", "idempotent", "false", "open_world", "true");
    /** A tool name that can be one segment of an action name ({@code mcp.<server>.<tool>}): no dots, nothing to steer a rule with. */
    static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,63}");

    public static final ToolLabels NONE = new ToolLabels(Map.of(), Map.of(), false);

    public ToolLabels {
        server = Map.copyOf(server);
        tools = Map.copyOf(tools);
    }

    public boolean listed(String tool) {
        return tools.containsKey(tool);
    }

    /** Whether the gateway offers {@code tool} at all: a name that fits an action name, and listed when only listed ones are. */
    public boolean offers(String tool) {
        return TOOL_NAME.matcher(tool).matches() && (!onlyListed || listed(tool));
    }

    /** The labels of a call to {@code tool}: MCP's defaults, then the server's labels, then the tool's own. */
    public Map<String, String> of(String tool) {
        Map<String, String> labels = new LinkedHashMap<>(DEFAULTS);
        labels.putAll(server);
        labels.putAll(tools.getOrDefault(tool, Map.of()));
        return labels;
    }

    static ToolLabels read(JsonNode server, String where) {
        Map<String, String> labels = labels(server.get("labels"), where + ".labels");
        Map<String, Map<String, String>> tools = new LinkedHashMap<>();
        JsonNode listed = server.get("tools");
        if (listed != null && !listed.isNull()) {
            if (!listed.isObject()) {
                throw new ConfigException(where + ".tools must map tool names to their settings, e.g. write_file: {labels: {destructive: \"true\"}}");
            }
            for (var tool : listed.properties()) {
                String at = where + ".tools." + tool.getKey();
                if (!TOOL_NAME.matcher(tool.getKey()).matches()) {
                    throw new ConfigException(at + ": a tool name here is letters, digits, '_' or '-' (it becomes part of the action name)");
                }
                JsonNode settings = tool.getValue();
                if (settings.isNull()) {
                    tools.put(tool.getKey(), Map.of());
                    continue;
                }
                if (!settings.isObject() || settings.propertyNames().stream().anyMatch(k -> !k.equals("labels"))) {
                    throw new ConfigException(at + " takes only labels: {name: \"value\"}");
                }
                tools.put(tool.getKey(), labels(settings.get("labels"), at + ".labels"));
            }
        }
        JsonNode only = server.get("only_listed_tools");
        if (only != null && !only.isBoolean()) {
            throw new ConfigException(where + ".only_listed_tools must be true or false");
        }
        return new ToolLabels(labels, tools, only != null && only.booleanValue());
    }

    private static Map<String, String> labels(JsonNode node, String where) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return labels;
        }
        if (!node.isObject()) {
            throw new ConfigException(where + " must map label names to text, e.g. {read_only: \"true\"}");
        }
        for (var label : node.properties()) {
            if (!LABEL.matcher(label.getKey()).matches() || !label.getValue().isString()) {
                throw new ConfigException(where + "." + label.getKey() + ": a label is a name (letters, digits, _ . : / -) and text;"
                        + " quote true and false: \"true\"");
            }
            if (label.getKey().equals("server") || label.getKey().equals("tool") || label.getKey().equals("tool_changed")) {
                throw new ConfigException(where + "." + label.getKey() + ": the gateway sets this label itself");
            }
            labels.put(label.getKey(), label.getValue().stringValue());
        }
        return labels;
    }
}
