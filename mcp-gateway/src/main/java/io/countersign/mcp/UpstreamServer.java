package io.countersign.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One upstream MCP server as the gateway sees it: its tools, each with the fingerprint it had when the
 * gateway first saw it, and calls to them with a time limit. A server that crashed, hung or went away
 * is connected afresh on the next call. A call is sent again on a fresh connection only when it never
 * reached the old one: a tool call that was out when its server died may have run, and is not repeated.
 */
public final class UpstreamServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UpstreamServer.class.getName());

    /** A tool as listed now, and whether it still matches what the gateway first saw. */
    public record KnownTool(McpSchema.Tool tool, String firstFingerprint, String fingerprint) {
        public boolean changed() {
            return !firstFingerprint.equals(fingerprint);
        }
    }

    /** The upstream could not be reached, did not answer in time, or went away during the call. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The upstream answered the call with a JSON-RPC error: the server is fine, the call was not. */
    public static final class Refused extends RuntimeException {
        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GatewaySettings.Upstream settings;
    private final Duration timeout;
    private final ToolPins pins;
    private volatile Map<String, KnownTool> tools = Map.of();
    private volatile UpstreamConnection connection;
    private final Object listing = new Object();

    private UpstreamServer(GatewaySettings.Upstream settings, Duration timeout, ToolPins pins) {
        this.settings = settings;
        this.timeout = timeout;
        this.pins = pins;
    }

    /** @param pins where the tool definitions first seen are kept, across the agent's sessions */
    public static UpstreamServer connect(GatewaySettings.Upstream settings, Duration timeout, ToolPins pins) {
        UpstreamServer upstream = new UpstreamServer(settings, timeout, pins);
        upstream.connection();
        upstream.refresh();
        return upstream;
    }

    public String name() {
        return settings.name();
    }

    /** What the settings say its tools' calls are labelled, and which it offers. */
    public ToolLabels labels() {
        return settings.labels();
    }

    private UpstreamConnection connection() {
        UpstreamConnection current = connection;
        return current != null ? current : open();
    }

    private synchronized UpstreamConnection open() {
        UpstreamConnection current = connection;
        if (current != null) {
            return current;
        }
        Runnable toolsChanged = this::refreshAfterChange;
        try {
            current = switch (settings) {
                case GatewaySettings.Upstream.Command command -> StdioUpstream.start(command, timeout, toolsChanged);
                case GatewaySettings.Upstream.Url url -> HttpUpstream.connect(url, timeout, toolsChanged);
            };
        } catch (RuntimeException e) {
            throw new Unavailable("the upstream MCP server '" + name() + "' did not start or answer: " + message(e), e);
        }
        connection = current;
        return current;
    }

    /** Lists the tools again (all pages) and records each one's fingerprint; one listing at a time, calls go on meanwhile. */
    public void refresh() {
        synchronized (listing) {
            remember(list());
        }
    }

    private List<McpSchema.Tool> list() {
        List<McpSchema.Tool> listed = new ArrayList<>();
        String cursor = null;
        do {
            String from = cursor;
            McpSchema.ListToolsResult page = call(c -> c.listTools(from), true);
            listed.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && !cursor.isEmpty());
        return listed;
    }

    private void refreshAfterChange() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "the upstream MCP server '" + name() + "' said its tools changed, but listing them failed: " + message(e));
        }
    }

    private void remember(List<McpSchema.Tool> listed) {
        Map<String, String> fingerprints = new LinkedHashMap<>();
        listed.forEach(tool -> fingerprints.put(tool.name(), ToolFingerprint.of(tool)));
        Map<String, String> pinned = pins.pin(name(), fingerprints);
        Map<String, KnownTool> now = new LinkedHashMap<>();
        for (McpSchema.Tool tool : listed) {
            String fingerprint = fingerprints.get(tool.name());
            String first = pinned.getOrDefault(tool.name(), fingerprint);
            if (!first.equals(fingerprint)) {
                LOG.log(Level.WARNING, "the upstream tool " + name() + "/" + tool.name() + " changed since it was first seen ("
                        + first + " → " + fingerprint + "); its calls are marked tool_changed");
            }
            now.put(tool.name(), new KnownTool(tool, first, fingerprint));
        }
        tools = Map.copyOf(now);
    }

    public Map<String, KnownTool> tools() {
        return tools;
    }

    public Optional<KnownTool> tool(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    /**
     * Calls a tool with exactly these arguments; the answer is the upstream's {@code CallToolResult}, untouched.
     *
     * @throws Unavailable when the server could not be reached or did not answer (the call may have run
     *                     if the message says so), {@link Refused} when it answered with an error,
     *                     {@link UpstreamConnection.Cancelled} when the agent cancelled the call while it ran
     */
    public ObjectNode callTool(String tool, JsonNode arguments, Cancellation cancellation) {
        return call(c -> c.callTool(tool, arguments, cancellation), false);
    }

    /**
     * One request. Connection trouble drops the connection (the next request opens a fresh one); the
     * request itself is tried again only when that cannot run anything twice.
     */
    private <T> T call(Function<UpstreamConnection, T> request, boolean repeatable) {
        UpstreamConnection current = connection();
        try {
            return request.apply(current);
        } catch (UpstreamConnection.Refused e) {
            throw new Refused(e.getMessage(), e);
        } catch (UpstreamConnection.TimedOut e) {
            // Hung, or dead without a word: start it afresh next time.
            drop(current);
            throw new Unavailable("the upstream MCP server '" + name() + "' did not answer within " + timeout.toSeconds() + " s", e);
        } catch (UpstreamConnection.Lost e) {
            drop(current);
            if (!repeatable) {
                throw new Unavailable(e.getMessage() + " while the call was in progress", e);
            }
            return again(request, e);
        } catch (UpstreamConnection.NotSent e) {
            drop(current);
            return again(request, e);
        }
    }

    private <T> T again(Function<UpstreamConnection, T> request, RuntimeException first) {
        LOG.log(Level.WARNING, "the upstream MCP server '" + name() + "' failed (" + message(first) + "); reconnecting");
        UpstreamConnection fresh = connection();
        try {
            return request.apply(fresh);
        } catch (UpstreamConnection.Refused e) {
            throw new Refused(e.getMessage(), e);
        } catch (UpstreamConnection.Cancelled e) {
            throw e;
        } catch (RuntimeException e) {
            drop(fresh);
            throw new Unavailable("the upstream MCP server '" + name() + "' is unavailable: " + message(e), e);
        }
    }

    private synchronized void drop(UpstreamConnection failed) {
        if (connection == failed) {
            connection = null;
            Thread.ofVirtual().start(failed::close);
        }
    }

    static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
