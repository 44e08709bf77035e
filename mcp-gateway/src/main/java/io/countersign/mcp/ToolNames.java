package io.countersign.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The names the agent calls upstream tools by, one per tool and no two alike. A tool keeps its own name
 * unless another tool would be offered under the same one; then each of them is offered as
 * {@code <server>_<tool>}, and so on until no two names are the same (server {@code c}'s tool
 * {@code a_echo} becomes {@code c_a_echo} once server {@code a}'s {@code echo} is offered as
 * {@code a_echo}). Two tools whose prefixed names are the same (server {@code a} with {@code b_x}, server
 * {@code a_b} with {@code x}) cannot be told apart by any name built this way: the gateway refuses to
 * start rather than send one tool's calls to the other.
 */
final class ToolNames {
    /** A tool of an upstream server, by the server's name in the settings and the tool's own name. */
    record Tool(String server, String name) {
        String prefixed() {
            return server + "_" + name;
        }

        @Override
        public String toString() {
            return server + "/" + name;
        }
    }

    /** Two tools would be offered under one name, whatever the gateway does. */
    static final class Ambiguous extends RuntimeException {
        Ambiguous(String message) {
            super(message);
        }
    }

    private ToolNames() {
    }

    /** The name each of {@code tools} is offered under, in the order given. */
    static Map<Tool, String> assign(List<Tool> tools) {
        Map<Tool, String> offered = new LinkedHashMap<>();
        tools.forEach(tool -> offered.put(tool, tool.name()));
        // Each round prefixes at least one tool that was not yet, so this ends within tools.size() rounds.
        for (boolean changed = true; changed; ) {
            changed = false;
            for (var same : byName(offered).entrySet()) {
                List<Tool> sharing = same.getValue();
                if (sharing.size() < 2) {
                    continue;
                }
                List<Tool> bare = sharing.stream().filter(tool -> !offered.get(tool).equals(tool.prefixed())).toList();
                if (bare.isEmpty()) {
                    throw new Ambiguous("tools " + String.join(" and ", sharing.stream().map(Tool::toString).toList())
                            + " would both be offered as " + same.getKey() + "; rename one of their servers in the settings");
                }
                bare.forEach(tool -> offered.put(tool, tool.prefixed()));
                changed = true;
            }
        }
        return offered;
    }

    private static Map<String, List<Tool>> byName(Map<Tool, String> offered) {
        Map<String, List<Tool>> byName = new TreeMap<>();
        offered.forEach((tool, name) -> byName.computeIfAbsent(name, n -> new ArrayList<>()).add(tool));
        return byName;
    }
}
