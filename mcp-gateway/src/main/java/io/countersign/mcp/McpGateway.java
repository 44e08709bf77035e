package io.countersign.mcp;

import io.countersign.sdk.CountersignException;
import io.countersign.client.JsonApi;
import io.countersign.json.Json;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code countersign mcp}: an MCP server for the agent (stdio, or Streamable HTTP) in front of the upstream MCP servers in
 * the settings. Every upstream tool is offered under its own name, prefixed with its server's name
 * only where two tools would share one ({@link ToolNames}); {@code tools/list} leaves out tools the policy denies outright,
 * and every {@code tools/call} goes through {@link ToolCallGate}.
 *
 * <p>On stdio the gateway speaks MCP itself ({@link StdioMcpServer}): it is on every call's path, and
 * the SDK's reactive transport cost more than the rest of the gateway's own work. Streamable HTTP
 * is served by the official SDK's transport.
 */
public final class McpGateway implements ToolSet, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(McpGateway.class.getName());
    /** How long a stopping gateway waits for outcome reports still on their way (a node restarting, say). */
    static final Duration FINISH_REPORTS = Duration.ofSeconds(10);

    /** A tool as the agent sees it, and where it really lives. */
    private record Route(String exposed, UpstreamServer upstream, String tool) {
    }

    private final JsonApi countersign;
    private final GatewaySettings settings;
    private final List<UpstreamServer> upstreams;
    private final ToolCallGate gate;
    /** What the agent is offered, by the name it calls; fixed at start. */
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final List<McpSchema.Tool> offered;
    private McpAsyncServer server;
    private Server http;

    /** The gateway's name and version: to the agent as a server, to upstreams as a client. */
    static final McpSchema.Implementation IMPLEMENTATION = new McpSchema.Implementation("countersign-mcp-gateway", "0.1.0");
    private static final String INSTRUCTIONS = "Tools here are guarded by Countersign: some calls run at once, some are denied with the reason,"
            + " and some wait for people to approve them. A call that waits answers with a request id; call it again with the same arguments later.";

    private McpGateway(JsonApi countersign, GatewaySettings settings, List<UpstreamServer> upstreams) {
        this.countersign = countersign;
        this.settings = settings;
        this.upstreams = upstreams;
        this.gate = new ToolCallGate(countersign, settings);
        this.offered = route();
    }

    /** Connects every upstream; {@link #serveStdio} or {@link #startHttp} then serves the agent. */
    public static McpGateway connect(JsonApi countersign, GatewaySettings settings) {
        List<UpstreamServer> upstreams = new ArrayList<>();
        try {
            ToolPins pins = ToolPins.kept(countersign);
            for (GatewaySettings.Upstream upstream : settings.servers()) {
                upstreams.add(UpstreamServer.connect(upstream, settings.timeout(), pins));
            }
            return new McpGateway(countersign, settings, upstreams);
        } catch (RuntimeException e) {
            upstreams.forEach(UpstreamServer::close);
            throw e;
        }
    }

    /** Serves the agent on {@code in}/{@code out} (stdin/stdout) until it closes {@code in}. */
    public void serveStdio(InputStream in, OutputStream out) {
        new StdioMcpServer(this, IMPLEMENTATION, INSTRUCTIONS, in, out).serve();
    }

    /**
     * Connects every upstream, then serves agents over Streamable HTTP at {@code http://host:port/mcp}.
     * The SDK's transport is a Jakarta servlet; an embedded Jetty runs it, behind {@link HttpGuard}: every
     * request carries {@code key}, the agent's key the gateway acts with, and none comes from a web page elsewhere.
     */
    public static McpGateway startHttp(JsonApi countersign, String key, GatewaySettings settings, String host, int port) {
        McpGateway gateway = connect(countersign, settings);
        try {
            HttpServletStreamableServerTransportProvider transport = HttpServletStreamableServerTransportProvider.builder()
                    .jsonMapper(McpJsonDefaults.getMapper())
                    .mcpEndpoint("/mcp")
                    .maxRequestSize(JsonLines.MAX_LINE)
                    .build();
            gateway.server = gateway.serve(McpServer.async(transport));
            gateway.http = new Server();
            ServerConnector connector = new ServerConnector(gateway.http);
            connector.setHost(host);
            connector.setPort(port);
            gateway.http.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.addFilter(new FilterHolder(new HttpGuard(key, host, connector::getLocalPort)), "/*", EnumSet.of(DispatcherType.REQUEST));
            context.addServlet(new ServletHolder(transport), "/*");
            gateway.http.setHandler(context);
            gateway.http.start();
        } catch (Exception e) {
            gateway.close();
            throw new IllegalStateException("cannot serve MCP on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        return gateway;
    }

    /** The port HTTP is served on (the one chosen when 0 was asked for). */
    public int httpPort() {
        return ((ServerConnector) http.getConnectors()[0]).getLocalPort();
    }

    private McpAsyncServer serve(McpServer.AsyncSpecification<?> specification) {
        List<McpServerFeatures.AsyncToolSpecification> tools = new ArrayList<>();
        for (McpSchema.Tool tool : offered) {
            tools.add(McpServerFeatures.AsyncToolSpecification.builder()
                    .tool(tool)
                    .callHandler((exchange, request) -> Mono.fromCallable(() -> McpJsonDefaults.getMapper().convertValue(
                            call(tool.name(), Json.MAPPER.valueToTree(request.arguments() == null ? Map.of() : request.arguments()),
                                    Cancellation.NEVER),
                            McpSchema.CallToolResult.class)).subscribeOn(CALLS))
                    .build());
        }
        return specification.serverInfo(IMPLEMENTATION).instructions(INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .tools(tools)
                .build();
    }

    /** Each call runs on a virtual thread of its own: a call held for approval, or a slow tool, blocks only itself. */
    private static final Scheduler CALLS = Schedulers.fromExecutorService(Executors.newVirtualThreadPerTaskExecutor(), "countersign-mcp-calls");

    /** Names every upstream tool for the agent, leaving out what the policy denies outright (when so configured). */
    private List<McpSchema.Tool> route() {
        List<McpSchema.Tool> offered = new ArrayList<>();
        Map<ToolNames.Tool, String> names = ToolNames.assign(upstreams.stream()
                .flatMap(u -> u.tools().keySet().stream().map(name -> new ToolNames.Tool(u.name(), name))).toList());
        for (UpstreamServer upstream : upstreams) {
            for (UpstreamServer.KnownTool known : upstream.tools().values()) {
                String name = known.tool().name();
                if (!upstream.labels().offers(name)) {
                    LOG.log(Level.WARNING, "not offering " + upstream.name() + "/" + name + (ToolLabels.TOOL_NAME.matcher(name).matches()
                            ? ": the settings list only some of this server's tools (only_listed_tools)"
                            : ": a tool name must be letters, digits, '_' or '-' to be one part of an action name"));
                    continue;
                }
                Route route = new Route(names.get(new ToolNames.Tool(upstream.name(), name)), upstream, name);
                if (settings.hideDenied() && deniedOutright(upstream, known)) {
                    LOG.log(Level.INFO, "hiding " + upstream.name() + "/" + name + ": the policy denies it");
                    continue;
                }
                McpSchema.Tool tool = known.tool();
                // No output schema: the gateway answers some calls itself ("waiting for approval", "denied"),
                // and those answers cannot take the upstream's result shape. Its structured results still pass.
                offered.add(McpSchema.Tool.builder().name(route.exposed()).title(tool.title()).description(tool.description())
                        .inputSchema(tool.inputSchema()).annotations(tool.annotations()).build());
                routes.put(route.exposed(), route);
            }
        }
        return List.copyOf(offered);
    }

    @Override
    public List<McpSchema.Tool> list() {
        return offered;
    }

    @Override
    public ObjectNode call(String name, JsonNode arguments, Cancellation cancellation) {
        Route route = routes.get(name);
        if (route == null) {
            throw new UnknownTool(name);
        }
        try {
            UpstreamServer.KnownTool tool = route.upstream().tool(route.tool()).orElse(null);
            if (tool == null) {
                return ToolCallGate.error("The upstream server " + route.upstream().name() + " no longer offers " + route.tool() + ".");
            }
            return gate.call(route.upstream(), tool, arguments, cancellation);
        } catch (CountersignException e) {
            // Fail closed: without Countersign's answer nothing is forwarded.
            return ToolCallGate.error("Countersign could not be reached, so this call was not run: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "a tools/call to " + name + " failed", e);
            return ToolCallGate.error("The gateway could not handle this call: " + UpstreamServer.message(e) + ". Nothing ran.");
        }
    }

    /**
     * Whether the policy denies the tool whatever its arguments: a deny rule matches its bare call (no
     * arguments) on its own terms. A deny rule that only "matched" because it looks at arguments the bare
     * call lacks (an evaluation error, counted as a match to fail closed) does not hide the tool; such
     * calls are still judged one by one.
     */
    private boolean deniedOutright(UpstreamServer upstream, UpstreamServer.KnownTool tool) {
        try {
            JsonApi.Answer answer = countersign.post("v1/policy/evaluate", gate.action(upstream, tool, Json.object()));
            return answer.ok() && answer.body().path("rules").valueStream().anyMatch(rule -> "deny".equals(rule.path("effect").asString())
                    && rule.path("matched").asBoolean() && !rule.has("why"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (http != null) {
            try {
                http.stop();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "stopping the MCP HTTP server: " + e.getMessage());
            }
        }
        if (server != null) {
            server.close();
        }
        upstreams.forEach(UpstreamServer::close);
        // After the upstreams: the calls their closing ended report too.
        gate.finish(FINISH_REPORTS);
    }
}
