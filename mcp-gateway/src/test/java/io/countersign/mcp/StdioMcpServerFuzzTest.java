package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.countersign.json.Json;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's MCP server on stdio under coverage-guided fuzzing (Jazzer), seeded with real MCP sessions
 * (the checked-in inputs: one message, or a whole session, per file): every request is answered once,
 * under its own id; every line that is no JSON-RPC message is answered once with {@code -32700} or
 * {@code -32600}; notifications and answers get no answer; and whatever came before, the session still
 * answers the next ping. What needs an answer is decided here from JSON-RPC 2.0 itself, not by the server's code.
 */
class StdioMcpServerFuzzTest {
    private static final String FINAL_PING = "{\"jsonrpc\":\"2.0\",\"id\":\"still-there\",\"method\":\"ping\"}";

    /** A tool set with one tool that answers at once. */
    static final class OneTool implements ToolSet {
        @Override
        public List<McpSchema.Tool> list() {
            return List.of(McpSchema.Tool.builder().name("write_file").inputSchema(Map.of("type", "object")).build());
        }

        @Override
        public ObjectNode call(String name, JsonNode arguments, Cancellation cancellation) {
            if (!name.equals("write_file")) {
                throw new UnknownTool(name);
            }
            return ToolCallGate.error("not really");
        }
    }

    @FuzzTest(maxDuration = "10m")
    void sessions(byte[] input) throws Exception {
        byte[] sent = concat(input, ("\n" + FINAL_PING + "\n").getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream toAgent = new ByteArrayOutputStream();
        new StdioMcpServer(new OneTool(), new McpSchema.Implementation("test", "1"), "test", new ByteArrayInputStream(sent), toAgent).serve();

        String text = new String(sent, StandardCharsets.UTF_8);
        List<String> expected = expectedAnswers(text);
        // A call the agent cancels may be answered (it finished first) or not (MCP: no answer to a cancelled request).
        Set<String> cancelled = cancelledIds(text);
        List<String> required = expected.stream().filter(id -> !cancelled.contains(id)).toList();
        List<JsonNode> answers = awaitAnswers(toAgent, required);
        for (JsonNode answer : answers) {
            assertThat(answer.path("jsonrpc").asString()).isEqualTo("2.0");
            assertThat(answer.has("result") != answer.has("error")).as("a result or an error: " + answer).isTrue();
            if (answer.has("error")) {
                assertThat(answer.path("error").path("code").asInt()).isIn(-32700, -32600, -32601, -32602);
                assertThat(answer.path("error").path("message").asString()).isNotBlank();
            }
        }
        assertThat(answers.stream().map(StdioMcpServerFuzzTest::idOf).filter(id -> !cancelled.contains(id)).sorted().toList())
                .as("one answer per line that asks for one, under its id").isEqualTo(required.stream().sorted().toList());
        assertThat(answers.stream().map(StdioMcpServerFuzzTest::idOf).filter(cancelled::contains).toList())
                .as("at most one answer to a cancelled call").doesNotHaveDuplicates().allMatch(expected::contains);
        assertThat(answers).anySatisfy(answer -> {
            assertThat(idOf(answer)).isEqualTo("s:still-there");
            assertThat(answer.path("result").isObject()).isTrue();
        });
    }

    /** The id each line's answer carries ("null" for a line that is no message), per JSON-RPC 2.0; nothing for notifications and answers. */
    private static List<String> expectedAnswers(String text) {
        List<String> ids = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\r')) {
                continue; // blank: JSON's own whitespace only
            }
            JsonNode message;
            try {
                message = Json.parse(line);
            } catch (RuntimeException e) {
                ids.add("null");
                continue;
            }
            JsonNode id = message.get("id");
            boolean validId = id != null && (id.isString() || id.isIntegralNumber());
            boolean twoPointO = message.isObject() && "2.0".equals(message.path("jsonrpc").asString(""));
            boolean paramsOk = !message.has("params") || message.get("params").isObject();
            boolean hasMethod = message.has("method");
            if (twoPointO && hasMethod && message.get("method").isString() && paramsOk && id == null) {
                continue; // a notification
            }
            if (twoPointO && !hasMethod && validId && (message.has("result") || message.path("error").isObject())) {
                continue; // an answer
            }
            boolean request = twoPointO && hasMethod && message.get("method").isString() && paramsOk && validId;
            ids.add(validId && (request || message.isObject()) ? key(id) : "null");
        }
        return ids;
    }

    /** Ids that a {@code notifications/cancelled} line names ({@code params.requestId}), as answers key them. */
    private static Set<String> cancelledIds(String text) {
        Set<String> ids = new java.util.HashSet<>();
        for (String line : text.split("\n", -1)) {
            try {
                JsonNode message = Json.parse(line.strip());
                JsonNode id = message.path("params").get("requestId");
                if ("notifications/cancelled".equals(message.path("method").asString("")) && id != null
                        && (id.isString() || id.isIntegralNumber())) {
                    ids.add(key(id));
                }
            } catch (RuntimeException notJson) {
                // not a message: it names nothing
            }
        }
        return ids;
    }

    /** The answers so far, once every {@code required} id has one (or after 10 s). */
    private static List<JsonNode> awaitAnswers(ByteArrayOutputStream out, List<String> required) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<JsonNode> answers;
        do {
            // tools/call answers come from threads of their own, a moment after the input ended.
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8);
            }
            answers = Arrays.stream(text.split("\n")).filter(line -> !line.isEmpty()).map(Json::parse).toList();
            List<String> have = new ArrayList<>(answers.stream().map(StdioMcpServerFuzzTest::idOf).toList());
            if (required.stream().allMatch(have::remove)) {
                return answers;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        return answers;
    }

    private static String idOf(JsonNode answer) {
        JsonNode id = answer.get("id");
        return id == null || id.isNull() ? "null" : key(id);
    }

    private static String key(JsonNode id) {
        return (id.isString() ? "s:" : "n:") + id.asString();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
