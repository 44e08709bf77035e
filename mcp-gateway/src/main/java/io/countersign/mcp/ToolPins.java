package io.countersign.mcp;

import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tool definitions first seen, as Countersign keeps them for this gateway's principal (per upstream and
 * tool): a tool that changed between the agent's sessions is still told from the one first used.
 */
public interface ToolPins {
    /** The pinned fingerprint of each of {@code current}'s tools (the one first seen, which may differ). */
    Map<String, String> pin(String server, Map<String, String> current);

    /** Pins kept by Countersign ({@code POST /v1/mcp/pins}); while the node cannot be asked, pins of this session only. */
    static ToolPins kept(JsonApi countersign) {
        Map<String, String> session = new java.util.concurrent.ConcurrentHashMap<>();
        System.Logger log = System.getLogger(ToolPins.class.getName());
        return (server, current) -> {
            Map<String, String> pinned = new LinkedHashMap<>();
            try {
                ObjectNode body = Json.object();
                body.put("server", server);
                ObjectNode tools = body.putObject("tools");
                current.forEach(tools::put);
                JsonApi.Answer answer = countersign.post("v1/mcp/pins", body);
                if (answer.ok()) {
                    answer.body().path("tools").properties().forEach(tool -> pinned.put(tool.getKey(), tool.getValue().path("pinned").asString()));
                } else {
                    log.log(Level.WARNING, "Countersign would not pin the tools of " + server + ": " + answer.errorMessage());
                }
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "could not ask Countersign for the pins of " + server + "'s tools: " + e.getMessage()
                        + "; this session's first definitions stand in");
            }
            current.forEach((tool, fingerprint) -> {
                if (!pinned.containsKey(tool)) {
                    pinned.put(tool, session.computeIfAbsent(server + "/" + tool, key -> fingerprint));
                }
            });
            return pinned;
        };
    }

    /** Pins of this session only, for tests and tools without a node. */
    static ToolPins inMemory() {
        Map<String, String> first = new java.util.concurrent.ConcurrentHashMap<>();
        return (server, current) -> {
            Map<String, String> pinned = new LinkedHashMap<>();
            current.forEach((tool, fingerprint) -> pinned.put(tool, first.computeIfAbsent(server + "/" + tool, key -> fingerprint)));
            return pinned;
        };
    }
}
