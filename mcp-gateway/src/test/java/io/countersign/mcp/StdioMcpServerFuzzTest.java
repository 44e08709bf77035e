package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.testing.Fuzzing;
import io.countersign.testing.Mutations;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The gateway's MCP server on stdio, fed mutants of real MCP messages: every request is answered once,
 * under its own id; every line that is no JSON-RPC message is answered once with {@code -32700} or
 * {@code -32600}; notifications and answers get no answer; and whatever came before, the session still
 * answers the next ping. What needs an answer is decided here from JSON-RPC 2.0 itself, not by the server's code.
 */
class StdioMcpServerFuzzTest {
    private static final List<String> MESSAGES = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                    + "\"clientInfo\":{\"name\":\"agent\",\"version\":\"1.0\"}}}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"list-2\",\"method\":\"tools/list\",\"params\":{}}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"call-7\",\"method\":\"tools/call\",\"params\":{\"name\":\"write_file\","
                    + "\"arguments\":{\"path\":\"/tmp/x\",\"content\":\"hello \\u00e9 \\\"quoted\\\"\"}}}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"call-7\",\"reason\":\"user\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"roots\":[]}}");
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

    @Property(seed = Fuzzing.SEED)
    void everyRequestIsAnsweredOnceAndNoLineEndsTheSession(@ForAll("lines") String input) throws Exception {
        byte[] sent = (input + "\n" + FINAL_PING + "\n").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream toAgent = new ByteArrayOutputStream();
        new StdioMcpServer(new OneTool(), new McpSchema.Implementation("test", "1"), "test", new ByteArrayInputStream(sent), toAgent).serve();

        List<String> expected = expectedAnswers(new String(sent, StandardCharsets.UTF_8));
        List<JsonNode> answers = awaitAnswers(toAgent, expected.size());
        for (JsonNode answer : answers) {
            assertThat(answer.path("jsonrpc").asString()).isEqualTo("2.0");
            assertThat(answer.has("result") != answer.has("error")).as("a result or an error: " + answer).isTrue();
            if (answer.has("error")) {
                assertThat(answer.path("error").path("code").asInt()).isIn(-32700, -32600, -32601, -32602);
                assertThat(answer.path("error").path("message").asString()).isNotBlank();
            }
        }
        assertThat(answers.stream().map(StdioMcpServerFuzzTest::idOf).sorted().toList())
                .as("one answer per line that asks for one, under its id").isEqualTo(expected.stream().sorted().toList());
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

    private static List<JsonNode> awaitAnswers(ByteArrayOutputStream out, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<JsonNode> answers;
        do {
            // tools/call answers come from threads of their own, a moment after the input ended.
            String text;
            synchronized (out) {
                text = out.toString(StandardCharsets.UTF_8);
            }
            answers = Arrays.stream(text.split("\n")).filter(line -> !line.isEmpty()).map(Json::parse).toList();
            if (answers.size() >= count) {
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

    @Provide
    Arbitrary<String> lines() {
        return Mutations.of(MESSAGES);
    }
}
