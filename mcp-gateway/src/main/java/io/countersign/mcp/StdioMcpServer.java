package io.countersign.mcp;

import io.countersign.json.Json;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import io.modelcontextprotocol.spec.ProtocolVersions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An MCP server on stdio for the agent (MCP "Transports: stdio", "Lifecycle", "Tools"): newline-delimited
 * JSON-RPC, read by one thread at a time. The thread that reads a {@code tools/call} runs it and writes its
 * answer, after handing the reading on to another thread, so a call held for approval or a slow tool
 * blocks only itself, and an allowed call is not handed from thread to thread on its way: each hand-off
 * is a thread woken, which on two busy cores may wait for one (see the README's MCP performance notes).
 * The threads are platform threads, whose socket reads the kernel wakes directly; a virtual thread's are
 * woken through the JDK's poller, one more hand-off.
 *
 * <p>Every line gets its fate: a request is answered (a result or a JSON-RPC error), a notification is
 * taken in silently, a line that is not JSON-RPC is answered with {@code -32700} or {@code -32600}; no
 * line ends the session. Only the agent closing its end of stdin does.
 */
public final class StdioMcpServer {
    private static final System.Logger LOG = System.getLogger(StdioMcpServer.class.getName());
    /** What this server speaks, newest first: the agent's version when it is one of these, else the newest. */
    static final List<String> VERSIONS = List.of(ProtocolVersions.MCP_2025_11_25, ProtocolVersions.MCP_2025_06_18,
            ProtocolVersions.MCP_2025_03_26, ProtocolVersions.MCP_2024_11_05);
    /** MCP "Cancellation": the agent no longer wants the answer to {@code params.requestId}. */
    static final String CANCELLED = "notifications/cancelled";

    private final ToolSet tools;
    private final JsonNode serverInfo;
    private final String instructions;
    private final JsonLines.Reader in;
    private final JsonLines.Writer out;
    /** Calls not yet answered, by id: one the agent cancels is not answered at all (MCP "Cancellation"). */
    private final Map<String, Cancellation> inFlight = new ConcurrentHashMap<>();
    /** Readers and the calls they read; an idle one takes up the reading when the reader turns to its call. */
    private final Executor threads;
    /** Completed by the reader that reaches the end of stdin. */
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    public StdioMcpServer(ToolSet tools, McpSchema.Implementation serverInfo, String instructions, InputStream in, OutputStream out) {
        this(tools, serverInfo, instructions, in, out, Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("countersign-mcp-call-", 1).factory()));
    }

    /** @param threads where reading goes on while a call runs */
    StdioMcpServer(ToolSet tools, McpSchema.Implementation serverInfo, String instructions, InputStream in, OutputStream out, Executor threads) {
        this.threads = threads;
        this.tools = tools;
        this.serverInfo = Json.MAPPER.valueToTree(serverInfo);
        this.instructions = instructions;
        this.in = new JsonLines.Reader(in);
        this.out = new JsonLines.Writer(out);
    }

    /**
     * Serves until the agent closes its end of stdin (or reading it fails). Returns then, even while calls
     * still run: nobody is left to read their answers, and the caller's closing of the gateway ends them.
     */
    public void serve() {
        if (!handOn()) {
            read();
        }
        ended.join();
    }

    /**
     * Reads lines until one is a call to run, which this thread then runs once another thread reads on;
     * or until stdin ends. Only one thread reads at a time: the next starts after this one stops reading.
     * Whatever ends the reading, other than handing it on, ends {@link #serve}.
     */
    private void read() {
        boolean handedOn = false;
        try {
            for (JsonLines.Line line = in.next(); !(line instanceof JsonLines.Line.End); line = in.next()) {
                Runnable call = switch (line) {
                    case JsonLines.Line.Text text -> takeSafely(JsonRpc.read(text.bytes()));
                    case JsonLines.Line.TooLong tooLong -> answered(JsonRpc.error(null, ErrorCodes.INVALID_REQUEST,
                            "Invalid Request: the message is longer than " + JsonLines.MAX_LINE + " bytes"));
                    case JsonLines.Line.End end -> throw new AssertionError("the loop ends at the end");
                };
                if (call != null) {
                    handedOn = handOn();
                    call.run();
                    if (handedOn) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "reading the agent's stdin failed: " + e.getMessage());
        } finally {
            if (!handedOn) {
                ended.complete(null);
            }
        }
    }

    /**
     * Lets another thread read on. Without one to spare (the process's limit), this thread reads instead:
     * after its call, if it has one, so that the next line waits for that call.
     */
    private boolean handOn() {
        try {
            threads.execute(this::read);
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(Level.ERROR, "no thread to spare for reading the agent's lines: " + e);
            return false;
        }
    }

    /**
     * No line ends the session: one the gateway fails on (a bug) is answered, if it can be, and logged.
     *
     * @return the call the message asks for, to be run after reading is handed on; null when it is answered already
     */
    private Runnable takeSafely(JsonRpc.Message message) {
        try {
            return take(message);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "handling a message from the agent failed", e);
            if (message instanceof JsonRpc.Request request) {
                send(JsonRpc.error(request.id(), ErrorCodes.INTERNAL_ERROR, "Internal error: the gateway could not handle this request"));
            }
            return null;
        }
    }

    private Runnable take(JsonRpc.Message message) {
        return switch (message) {
            case JsonRpc.Invalid invalid -> answered(JsonRpc.error(invalid.id(), invalid.code(), invalid.message()));
            case JsonRpc.Request request -> answer(request);
            case JsonRpc.Notification notification -> {
                JsonNode requestId = notification.params() == null ? null : notification.params().get("requestId");
                // Only a request id can name a call; anything else there names none.
                if (CANCELLED.equals(notification.method()) && JsonRpc.isId(requestId)) {
                    Cancellation cancelled = inFlight.remove(key(requestId));
                    if (cancelled != null) {
                        cancelled.cancel();
                    }
                }
                yield null;
            }
            case JsonRpc.Response response -> {
                // The gateway asks the agent nothing, so there is nothing an answer could belong to.
                LOG.log(Level.DEBUG, "ignoring an answer to no request: id " + response.id());
                yield null;
            }
        };
    }

    /** Answers {@code request} at once, or returns the call that will. */
    private Runnable answer(JsonRpc.Request request) {
        JsonNode params = request.params() == null ? Json.object() : request.params();
        return switch (request.method()) {
            case McpSchema.METHOD_INITIALIZE -> answered(JsonRpc.result(request.id(), initialized(params)));
            case McpSchema.METHOD_PING -> answered(JsonRpc.result(request.id(), Json.object()));
            case McpSchema.METHOD_TOOLS_LIST -> {
                ObjectNode result = Json.object();
                ArrayNode list = result.putArray("tools");
                tools.list().forEach(tool -> list.add(Json.MAPPER.valueToTree(tool)));
                yield answered(JsonRpc.result(request.id(), result));
            }
            case McpSchema.METHOD_TOOLS_CALL -> call(request, params);
            default -> answered(JsonRpc.error(request.id(), ErrorCodes.METHOD_NOT_FOUND, "Method not found: " + request.method()));
        };
    }

    /** Sends {@code message}; nothing is left to run. */
    private Runnable answered(ObjectNode message) {
        send(message);
        return null;
    }

    private ObjectNode initialized(JsonNode params) {
        String asked = params.path("protocolVersion").asString("");
        ObjectNode result = Json.object();
        result.put("protocolVersion", VERSIONS.contains(asked) ? asked : VERSIONS.getFirst());
        // The list is fixed when the gateway starts (a tool that changes later is flagged, not re-shown).
        result.putObject("capabilities").putObject("tools").put("listChanged", false);
        result.set("serverInfo", serverInfo);
        result.put("instructions", instructions);
        return result;
    }

    /** The call {@code request} asks for, in flight from now on (so a cancellation read next finds it); null when refused. */
    private Runnable call(JsonRpc.Request request, JsonNode params) {
        JsonNode name = params.get("name");
        JsonNode arguments = params.get("arguments");
        if (name == null || !name.isString()) {
            return answered(JsonRpc.error(request.id(), ErrorCodes.INVALID_PARAMS, "Invalid params: tools/call needs \"name\", the tool's name"));
        }
        if (arguments != null && !arguments.isNull() && !arguments.isObject()) {
            return answered(JsonRpc.error(request.id(), ErrorCodes.INVALID_PARAMS, "Invalid params: \"arguments\" must be an object"));
        }
        String key = key(request.id());
        Cancellation cancellation = new Cancellation();
        if (inFlight.putIfAbsent(key, cancellation) != null) {
            return answered(JsonRpc.error(request.id(), ErrorCodes.INVALID_REQUEST, "Invalid Request: id " + request.id() + " is already in use by a call in progress"));
        }
        JsonNode given = arguments == null || arguments.isNull() ? Json.object() : arguments;
        return () -> {
            ObjectNode answer;
            try {
                answer = JsonRpc.result(request.id(), tools.call(name.asString(), given, cancellation));
            } catch (ToolSet.UnknownTool e) {
                answer = JsonRpc.error(request.id(), ErrorCodes.INVALID_PARAMS, e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "a tools/call to " + name.asString() + " failed", e);
                answer = JsonRpc.error(request.id(), ErrorCodes.INTERNAL_ERROR, "Internal error: the gateway could not handle this call");
            }
            if (inFlight.remove(key, cancellation)) {
                send(answer);
            }
        };
    }

    /** Ids match by type and value: {@code 1} and {@code "1"} are different requests. */
    private static String key(JsonNode id) {
        return (id.isString() ? "s:" : "n:") + id.asString();
    }

    private void send(ObjectNode message) {
        try {
            out.send(message);
        } catch (IOException e) {
            // The agent is gone; its end of stdin closes next and ends the session.
            LOG.log(Level.DEBUG, "writing to the agent failed: " + e.getMessage());
        }
    }
}
