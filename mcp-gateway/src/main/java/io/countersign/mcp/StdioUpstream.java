package io.countersign.mcp;

import io.countersign.json.Json;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An upstream MCP server started as a command, spoken to on its stdin and stdout (MCP "Transports:
 * stdio"). Requests carry ids of their own; one thread reads every answer and hands it to the caller
 * waiting for that id, so concurrent calls share the process. The server's own requests are answered
 * ({@code ping}; anything else is a method this client does not offer), and its
 * {@code notifications/tools/list_changed} reaches the gateway. When the process exits, every call
 * still waiting fails at once instead of at its time limit.
 */
final class StdioUpstream implements UpstreamConnection {
    private static final System.Logger LOG = System.getLogger(StdioUpstream.class.getName());
    /**
     * What the server inherits of the gateway's environment, as the official SDKs do: enough to find
     * programs and a home, nothing else (the gateway's own environment may hold its Countersign key).
     */
    static final List<String> INHERITED_ENV = List.of("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER");
    private static final Duration INITIALIZE_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Process process;
    private final JsonLines.Writer out;
    private final Duration timeout;
    private final Runnable toolsChanged;
    private final Map<Long, CompletableFuture<JsonRpc.Response>> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Why the connection ended; null while it is open. Set before the waiting calls are failed. */
    private volatile String gone;

    private StdioUpstream(String name, Process process, Duration timeout, Runnable toolsChanged) {
        this.name = name;
        this.process = process;
        this.out = new JsonLines.Writer(process.getOutputStream());
        this.timeout = timeout;
        this.toolsChanged = toolsChanged;
    }

    /** Starts the command and completes MCP's initialization with it. */
    static StdioUpstream start(GatewaySettings.Upstream.Command command, Duration timeout, Runnable toolsChanged) {
        ProcessBuilder builder = new ProcessBuilder(command.argv());
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(INHERITED_ENV);
        environment.putAll(command.env());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new NotSent("could not start " + command.argv().getFirst() + ": " + e.getMessage(), e);
        }
        StdioUpstream upstream = new StdioUpstream(command.name(), process, timeout, toolsChanged);
        Thread.ofPlatform().daemon().name("countersign-mcp-" + command.name() + "-out").start(upstream::readAnswers);
        Thread.ofPlatform().daemon().name("countersign-mcp-" + command.name() + "-err").start(upstream::readErrors);
        try {
            upstream.initialize();
        } catch (RuntimeException e) {
            upstream.close();
            throw e;
        }
        return upstream;
    }

    private void initialize() {
        ObjectNode params = Json.object();
        params.put("protocolVersion", StdioMcpServer.VERSIONS.getFirst());
        params.putObject("capabilities");
        params.set("clientInfo", Json.MAPPER.valueToTree(McpGateway.IMPLEMENTATION));
        JsonNode result = request(McpSchema.METHOD_INITIALIZE, params, INITIALIZE_TIMEOUT, Cancellation.NEVER);
        String version = result.path("protocolVersion").asString("");
        if (!StdioMcpServer.VERSIONS.contains(version)) {
            throw new Refused(ErrorCodes.INVALID_REQUEST, "the server speaks MCP version '" + version + "', which the gateway does not");
        }
        try {
            out.send(JsonRpc.notification(McpSchema.METHOD_NOTIFICATION_INITIALIZED, null));
        } catch (IOException e) {
            throw new NotSent("the server closed its input during initialization", e);
        }
    }

    @Override
    public McpSchema.ListToolsResult listTools(String cursor) {
        ObjectNode params = Json.object();
        if (cursor != null) {
            params.put("cursor", cursor);
        }
        JsonNode result = request(McpSchema.METHOD_TOOLS_LIST, params, timeout, Cancellation.NEVER);
        try {
            return McpJsonDefaults.getMapper().convertValue(result, McpSchema.ListToolsResult.class);
        } catch (RuntimeException e) {
            throw new Refused(ErrorCodes.INVALID_PARAMS, "the server's tools/list answer is not a list of tools: " + e.getMessage());
        }
    }

    @Override
    public ObjectNode callTool(String tool, JsonNode arguments, Cancellation cancellation) {
        ObjectNode params = Json.object();
        params.put("name", tool);
        params.set("arguments", arguments);
        JsonNode result = request(McpSchema.METHOD_TOOLS_CALL, params, timeout, cancellation);
        if (!(result instanceof ObjectNode object)) {
            throw new Refused(ErrorCodes.INTERNAL_ERROR, "the server answered tools/call without a result object");
        }
        return object;
    }

    private JsonNode request(String method, ObjectNode params, Duration limit, Cancellation cancellation) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonRpc.Response> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        // Checked after registering: either the reader ended before (seen here), or it fails this call too.
        String ended = gone;
        if (ended != null) {
            waiting.remove(id);
            throw new NotSent(ended, null);
        }
        try {
            out.send(JsonRpc.request(id, method, params));
        } catch (IOException e) {
            waiting.remove(id);
            throw new NotSent("the server no longer reads its input: " + e.getMessage(), e);
        }
        // Off the thread that read the agent's cancel: an upstream that does not read its input must not stall the agent.
        cancellation.whenCancelled(() -> Thread.ofVirtual().name("countersign-mcp-cancel").start(() -> cancelUpstream(id)));
        JsonRpc.Response response;
        try {
            response = answer.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            waiting.remove(id);
            throw new TimedOut("no answer within " + limit.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Cancelled cancelled) {
                throw cancelled;
            }
            throw new Lost(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            waiting.remove(id);
            Thread.currentThread().interrupt();
            throw new Lost("interrupted while waiting for the answer", e);
        }
        if (response.error() != null) {
            throw new Refused(response.error().path("code").asInt(ErrorCodes.INTERNAL_ERROR),
                    response.error().path("message").asString("an error without a message"));
        }
        return response.result() == null ? Json.object() : response.result();
    }

    /** The agent cancelled request {@code id}: so is it at the upstream, which will not answer it. */
    private void cancelUpstream(long id) {
        CompletableFuture<JsonRpc.Response> caller = waiting.remove(id);
        if (caller == null) {
            return;
        }
        caller.completeExceptionally(new Cancelled("the agent cancelled the call while the upstream MCP server '" + name
                + "' ran it; the server was told to stop"));
        ObjectNode params = Json.object();
        params.put("requestId", id);
        params.put("reason", "the agent cancelled the call");
        send(JsonRpc.notification(StdioMcpServer.CANCELLED, params), "passing on a cancellation");
    }

    /** The one reader of the server's stdout. */
    private void readAnswers() {
        JsonLines.Reader in = new JsonLines.Reader(process.getInputStream());
        try {
            for (JsonLines.Line line = in.next(); !(line instanceof JsonLines.Line.End); line = in.next()) {
                if (line instanceof JsonLines.Line.Text text) {
                    take(JsonRpc.read(text.bytes()));
                } else {
                    // Whose answer it was cannot be read: the connection ends, and a fresh one serves the next call.
                    gone = "the upstream MCP server '" + name + "' sent a message longer than " + JsonLines.MAX_LINE + " bytes";
                    LOG.log(Level.WARNING, gone);
                    break;
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, name + ": reading its output failed: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, name + ": its output could not be handled: " + e.getMessage());
        }
        end();
    }

    private void take(JsonRpc.Message message) {
        switch (message) {
            case JsonRpc.Response response -> {
                CompletableFuture<JsonRpc.Response> caller = response.id().isIntegralNumber() ? waiting.remove(response.id().asLong()) : null;
                if (caller != null) {
                    caller.complete(response);
                }
            }
            case JsonRpc.Notification notification -> {
                if (McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED.equals(notification.method())) {
                    Thread.ofVirtual().name("countersign-mcp-tools-changed").start(toolsChanged);
                }
            }
            case JsonRpc.Request request -> send(McpSchema.METHOD_PING.equals(request.method())
                    ? JsonRpc.result(request.id(), Json.object())
                    : JsonRpc.error(request.id(), ErrorCodes.METHOD_NOT_FOUND, "Method not found: the gateway offers no " + request.method()),
                    "answering its request");
            // Some servers print other things on stdout; they are not messages, and not ours to answer.
            case JsonRpc.Invalid invalid -> LOG.log(Level.DEBUG, name + ": not a JSON-RPC message on its stdout: " + invalid.message());
        }
    }

    /** A message the server may never read (it may be gone): a failure is only logged. */
    private void send(ObjectNode message, String what) {
        try {
            out.send(message);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, name + ": " + what + " failed: " + e.getMessage());
        }
    }

    /** Drains the server's stderr, which would otherwise fill its pipe and stop it. */
    private void readErrors() {
        try (BufferedReader errors = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                LOG.log(Level.DEBUG, name + ": " + line);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, name + ": reading its stderr failed: " + e.getMessage());
        }
    }

    private void end() {
        String why;
        try {
            why = process.waitFor(200, TimeUnit.MILLISECONDS)
                    ? "the upstream MCP server '" + name + "' exited (code " + process.exitValue() + ")"
                    : "the upstream MCP server '" + name + "' closed its output";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "the upstream MCP server '" + name + "' closed its output";
        }
        if (gone == null) {
            gone = why;
        }
        Lost lost = new Lost(gone, null);
        waiting.values().forEach(caller -> caller.completeExceptionally(lost));
        waiting.clear();
    }

    /** Closes its stdin (MCP's way to end a stdio session), then stops the process and whatever it started. */
    @Override
    public void close() {
        if (gone == null) {
            gone = "the connection to the upstream MCP server '" + name + "' was closed";
        }
        out.close();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
