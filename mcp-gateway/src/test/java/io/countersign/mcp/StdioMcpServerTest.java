package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The agent's side of the gateway on stdio, line by line, with a tool set that answers as told. */
class StdioMcpServerTest {
    /** Two tools: "echo" answers at once with a structured result, "slow" waits until released. */
    static final class Tools implements ToolSet {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch returned = new CountDownLatch(1);
        volatile Cancellation slowCall;
        volatile boolean listFails;

        @Override
        public List<McpSchema.Tool> list() {
            if (listFails) {
                throw new IllegalStateException("a bug");
            }
            return List.of(McpSchema.Tool.builder().name("echo").description("Echoes.")
                            .inputSchema(Map.of("type", "object", "properties", Map.of("text", Map.of("type", "string"))))
                            .annotations(new McpSchema.ToolAnnotations(null, true, false, true, false, null)).build(),
                    McpSchema.Tool.builder().name("slow").inputSchema(Map.of("type", "object")).build());
        }

        @Override
        public ObjectNode call(String name, JsonNode arguments, Cancellation cancellation) {
            switch (name) {
                case "echo" -> {
                    ObjectNode result = (ObjectNode) Json.parse("{\"content\":[{\"type\":\"text\",\"text\":\"echo\"}],"
                            + "\"structuredContent\":{\"n\":1},\"_meta\":{\"upstream\":true}}");
                    result.set("structuredContent", arguments);
                    return result;
                }
                case "slow" -> {
                    slowCall = cancellation;
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        returned.countDown();
                    }
                    return ToolCallGate.error("slow done");
                }
                default -> throw new UnknownTool(name);
            }
        }
    }

    final Tools tools = new Tools();
    OutputStream agent;
    BufferedReader answers;
    Thread serving;

    @BeforeEach
    void start() throws IOException {
        start(null);
    }

    /** Serves on OS pipes, as stdio is (java.io's piped streams fail once a thread that wrote to them has ended). */
    private void start(Executor threads) throws IOException {
        Pipe toServer = Pipe.open();
        Pipe toAgent = Pipe.open();
        agent = Channels.newOutputStream(toServer.sink());
        answers = new BufferedReader(new InputStreamReader(Channels.newInputStream(toAgent.source()), StandardCharsets.UTF_8));
        InputStream in = Channels.newInputStream(toServer.source());
        OutputStream out = Channels.newOutputStream(toAgent.sink());
        StdioMcpServer server = threads == null
                ? new StdioMcpServer(tools, McpGateway.IMPLEMENTATION, "be careful", in, out)
                : new StdioMcpServer(tools, McpGateway.IMPLEMENTATION, "be careful", in, out, threads);
        serving = Thread.ofPlatform().start(server::serve);
    }

    @AfterEach
    void stop() throws Exception {
        tools.release.countDown();
        agent.close();
        serving.join(5000);
        assertThat(serving.isAlive()).as("the server ends when the agent closes its input").isFalse();
    }

    private void send(String line) throws IOException {
        agent.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        agent.flush();
    }

    private JsonNode next() throws IOException {
        String line = answers.readLine();
        assertThat(line).as("an answer").isNotNull();
        return Json.parse(line);
    }

    @Test
    void initializeNegotiatesTheAgentsVersionWhenKnownAndTheNewestOtherwise() throws IOException {
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"a\",\"version\":\"1\"}}}");
        JsonNode first = next();
        assertThat(first.path("id").asInt()).isEqualTo(1);
        assertThat(first.path("result").path("protocolVersion").asString()).isEqualTo("2025-03-26");
        assertThat(first.path("result").path("serverInfo").path("name").asString()).isEqualTo("countersign-mcp-gateway");
        assertThat(first.path("result").path("capabilities").path("tools").isObject()).isTrue();
        assertThat(first.path("result").path("instructions").asString()).isEqualTo("be careful");

        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2099-01-01\",\"capabilities\":{},"
                + "\"clientInfo\":{\"name\":\"a\",\"version\":\"1\"}}}");
        assertThat(next().path("result").path("protocolVersion").asString()).isEqualTo("2025-11-25");
    }

    @Test
    void toolsAreListedAndCallResultsPassThroughUntouched() throws IOException {
        send("{\"jsonrpc\":\"2.0\",\"id\":\"l\",\"method\":\"tools/list\"}");
        JsonNode listed = next();
        assertThat(listed.path("id").asString()).isEqualTo("l");
        assertThat(listed.path("result").path("tools").valueStream().map(t -> t.path("name").asString()).toList()).containsExactly("echo", "slow");
        JsonNode echo = listed.path("result").path("tools").path(0);
        assertThat(echo.path("inputSchema").path("properties").path("text").path("type").asString()).isEqualTo("string");
        assertThat(echo.path("annotations").path("readOnlyHint").asBoolean()).isTrue();

        send("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"h\\u00e9\",\"n\":[1,2]}}}");
        JsonNode called = next();
        assertThat(called.path("id").asInt()).isEqualTo(5);
        assertThat(called.path("result").path("structuredContent")).isEqualTo(Json.parse("{\"text\":\"hé\",\"n\":[1,2]}"));
        assertThat(called.path("result").path("_meta").path("upstream").asBoolean()).isTrue();
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void oddValuesInsideWellFormedMessagesEndNothing() throws IOException {
        // Each is a valid JSON-RPC message whose contents are not what MCP says: the session goes on after each.
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":{\"a\":[1]}}}");
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":null}}");
        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":{\"v\":1}}}");
        assertThat(next().path("result").path("protocolVersion").asString()).isEqualTo("2025-11-25");
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":[\"echo\"]}}");
        assertThat(next().path("error").path("code").asInt()).isEqualTo(-32602);
        send("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\"}");
        JsonNode pong = next();
        assertThat(pong.path("id").asInt()).isEqualTo(4);
        assertThat(pong.has("result")).isTrue();
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aRequestTheGatewayFailsOnIsAnsweredWithAnInternalErrorAndTheSessionGoesOn() throws IOException {
        tools.listFails = true;
        send("{\"jsonrpc\":\"2.0\",\"id\":\"l\",\"method\":\"tools/list\"}");
        JsonNode failed = next();
        assertThat(failed.path("id").asString()).isEqualTo("l");
        assertThat(failed.path("error").path("code").asInt()).isEqualTo(-32603);
        assertThat(failed.toString()).doesNotContain("IllegalStateException").doesNotContain("a bug");
        tools.listFails = false;
        send("{\"jsonrpc\":\"2.0\",\"id\":\"m\",\"method\":\"tools/list\"}");
        assertThat(next().path("result").path("tools").size()).isEqualTo(2);
    }

    @Test
    void eachKindOfBadRequestGetsItsJsonRpcErrorAndTheSessionGoesOn() throws IOException {
        send("not json");
        assertThat(next().path("error").path("code").asInt()).isEqualTo(-32700);
        send("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
        assertThat(next().path("error").path("code").asInt()).isEqualTo(-32600);
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/list\"}");
        assertThat(next().path("error").path("code").asInt()).as("duplicate keys are refused, not guessed at").isEqualTo(-32700);
        send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/list\"}");
        JsonNode unknown = next();
        assertThat(unknown.path("id").asInt()).isEqualTo(3);
        assertThat(unknown.path("error").path("code").asInt()).isEqualTo(-32601);
        send("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"teleport\",\"arguments\":{}}}");
        JsonNode noSuchTool = next();
        assertThat(noSuchTool.path("error").path("code").asInt()).isEqualTo(-32602);
        assertThat(noSuchTool.path("error").path("message").asString()).contains("teleport");
        send("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"arguments\":{}}}");
        assertThat(next().path("error").path("message").asString()).contains("name");
        send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":[1]}}");
        assertThat(next().path("error").path("message").asString()).contains("arguments");
        send("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}\r");
        assertThat(next().path("result").isObject()).as("a line may end in CRLF").isTrue();
    }

    @Test
    void aHeldCallBlocksOnlyItselfAndACancelledOneIsNotAnswered() throws Exception {
        send("{\"jsonrpc\":\"2.0\",\"id\":\"held\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":\"quick\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{}}}");
        assertThat(next().path("id").asString()).as("the quick call is answered while the other is held").isEqualTo("quick");
        send("{\"jsonrpc\":\"2.0\",\"id\":\"held\",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}");
        assertThat(next().path("error").path("message").asString()).contains("already in use");

        send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"held\",\"reason\":\"user gave up\"}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":\"read\",\"method\":\"ping\"}");
        assertThat(next().path("id").asString()).as("lines are taken in order: the cancel was read").isEqualTo("read");
        assertThat(tools.slowCall.cancelled()).as("the call learns it was cancelled, so a held call never runs").isTrue();
        tools.release.countDown();
        assertThat(tools.returned.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        send("{\"jsonrpc\":\"2.0\",\"id\":\"after\",\"method\":\"ping\"}");
        assertThat(next().path("id").asString()).as("the cancelled call, though it ended, is not answered").isEqualTo("after");
    }

    @Test
    void theServerEndsWhenTheAgentClosesItsInputEvenWithACallHeld() throws Exception {
        send("{\"jsonrpc\":\"2.0\",\"id\":\"held\",\"method\":\"tools/call\",\"params\":{\"name\":\"slow\"}}");
        while (tools.slowCall == null) {
            Thread.sleep(10);
        }
        agent.close();
        serving.join(3000);
        assertThat(serving.isAlive()).as("serve() returns at the end of input, the held call notwithstanding").isFalse();
        assertThat(tools.returned.getCount()).as("the call is still held").isEqualTo(1);
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readingThatFailsUnexpectedlyEndsTheSessionInsteadOfLeavingItWithoutAReader() {
        java.io.InputStream broken = new java.io.InputStream() {
            @Override
            public int read() {
                throw new IllegalStateException("a bug below the reader");
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                throw new IllegalStateException("a bug below the reader");
            }
        };
        new StdioMcpServer(tools, McpGateway.IMPLEMENTATION, "be careful", broken,
                java.io.OutputStream.nullOutputStream()).serve();
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void withNoThreadToReadOnACallRunsBeforeTheNextLineIsReadAndEveryLineIsStillAnswered() throws Exception {
        stop();
        start(command -> {
            throw new RejectedExecutionException("no thread left");
        });
        send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"n\":1}}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"n\":2}}}");
        send("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}");
        assertThat(next().path("result").path("structuredContent").path("n").asInt()).isEqualTo(1);
        assertThat(next().path("result").path("structuredContent").path("n").asInt()).isEqualTo(2);
        assertThat(next().path("id").asInt()).isEqualTo(3);
    }

    @Test
    void aLineOverTheLimitIsRefusedWithoutReadingItIntoMemory() throws IOException {
        byte[] huge = new byte[JsonLines.MAX_LINE + 10];
        java.util.Arrays.fill(huge, (byte) 'x');
        Thread.ofVirtual().start(() -> {
            try {
                agent.write(huge);
                agent.write('\n');
                send("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        JsonNode refused = next();
        assertThat(refused.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(refused.path("error").path("message").asString()).contains("longer than");
        assertThat(next().path("id").asInt()).isEqualTo(9);
    }
}
