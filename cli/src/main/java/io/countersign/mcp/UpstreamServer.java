package io.countersign.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One upstream MCP server as the gateway's client (Java MCP SDK): its tools, each with the fingerprint
 * it had when the gateway first saw it, and calls to them with a time limit. A server that crashed is
 * started again (or reconnected) on the next call.
 */
public final class UpstreamServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(UpstreamServer.class.getName());

    /** A tool as listed now, and whether it still matches what the gateway first saw. */
    public record KnownTool(McpSchema.Tool tool, String firstFingerprint, String fingerprint) {
        public boolean changed() {
            return !firstFingerprint.equals(fingerprint);
        }
    }

    /** The upstream could not be reached or did not answer in time. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final GatewaySettings.Upstream settings;
    private final Duration timeout;
    private final Map<String, String> firstFingerprints = new ConcurrentHashMap<>();
    private volatile Map<String, KnownTool> tools = Map.of();
    private volatile McpSyncClient client;

    private UpstreamServer(GatewaySettings.Upstream settings, Duration timeout) {
        this.settings = settings;
        this.timeout = timeout;
    }

    public static UpstreamServer connect(GatewaySettings.Upstream settings, Duration timeout) {
        UpstreamServer upstream = new UpstreamServer(settings, timeout);
        upstream.client();
        upstream.refresh();
        return upstream;
    }

    public String name() {
        return settings.name();
    }

    private synchronized McpSyncClient client() {
        McpSyncClient current = client;
        if (current != null) {
            return current;
        }
        McpSyncClient opened = McpClient.sync(transport())
                .requestTimeout(timeout)
                .initializationTimeout(Duration.ofSeconds(30))
                .clientInfo(new McpSchema.Implementation("countersign-mcp-gateway", "0.1.0"))
                .toolsChangeConsumer(changed -> remember(changed))
                .build();
        try {
            opened.initialize();
        } catch (RuntimeException e) {
            closeQuietly(opened);
            throw new Unavailable("the upstream MCP server '" + name() + "' did not start or answer: " + message(e), e);
        }
        client = opened;
        return opened;
    }

    private McpClientTransport transport() {
        return switch (settings) {
            case GatewaySettings.Upstream.Command command -> {
                StdioClientTransport stdio = new StdioClientTransport(ServerParameters.builder(command.argv().getFirst())
                        .args(command.argv().subList(1, command.argv().size())).env(command.env()).build(), McpJsonDefaults.getMapper());
                stdio.setStdErrorHandler(line -> LOG.log(Level.DEBUG, name() + ": " + line));
                yield stdio;
            }
            case GatewaySettings.Upstream.Url url -> {
                URI uri = url.url();
                HttpRequest.Builder template = HttpRequest.newBuilder();
                url.headers().forEach(template::header);
                yield HttpClientStreamableHttpTransport.builder(uri.getScheme() + "://" + uri.getRawAuthority())
                        .endpoint(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
                        .requestBuilder(template)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
            }
        };
    }

    /** Lists the tools again (all pages) and records each one's fingerprint. */
    public synchronized void refresh() {
        List<McpSchema.Tool> listed = new ArrayList<>();
        String cursor = null;
        do {
            String from = cursor;
            McpSchema.ListToolsResult page = call(c -> c.listTools(from));
            listed.addAll(page.tools());
            cursor = page.nextCursor();
        } while (cursor != null && !cursor.isEmpty());
        remember(listed);
    }

    private void remember(List<McpSchema.Tool> listed) {
        Map<String, KnownTool> now = new LinkedHashMap<>();
        for (McpSchema.Tool tool : listed) {
            String fingerprint = ToolFingerprint.of(tool);
            String first = firstFingerprints.computeIfAbsent(tool.name(), n -> fingerprint);
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

    public McpSchema.CallToolResult callTool(String tool, Map<String, Object> arguments) {
        return call(c -> c.callTool(new McpSchema.CallToolRequest(tool, arguments)));
    }

    private interface Call<T> {
        T on(McpSyncClient client);
    }

    /** A call; if the upstream is gone (crashed, closed), one fresh connection is tried before giving up. */
    private <T> T call(Call<T> call) {
        McpSyncClient current = client();
        try {
            return call.on(current);
        } catch (RuntimeException first) {
            if (isTimeout(first)) {
                // Hung, or dead without a word (a crashed stdio server looks like this): start it afresh next time.
                drop(current);
                throw new Unavailable("the upstream MCP server '" + name() + "' did not answer within " + timeout.toSeconds() + " s", first);
            }
            if (isToolError(first)) {
                throw first;
            }
            LOG.log(Level.WARNING, "the upstream MCP server '" + name() + "' failed (" + message(first) + "); reconnecting");
            drop(current);
            try {
                return call.on(client());
            } catch (RuntimeException second) {
                throw second instanceof Unavailable u ? u
                        : new Unavailable("the upstream MCP server '" + name() + "' is unavailable: " + message(second), second);
            }
        }
    }

    private synchronized void drop(McpSyncClient failed) {
        if (client == failed) {
            client = null;
            Thread.ofVirtual().start(() -> closeQuietly(failed));
        }
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** An error the upstream answered (a JSON-RPC error): the server is fine, the call was not. */
    private static boolean isToolError(Throwable e) {
        return e instanceof io.modelcontextprotocol.spec.McpError;
    }

    static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static void closeQuietly(McpSyncClient client) {
        try {
            client.close();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing an upstream client failed: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            closeQuietly(client);
            client = null;
        }
    }
}
