package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.testing.Fuzzing;
import io.countersign.testing.Mutations;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's first reader of the agent's stdin, fed mutants of real MCP messages: every line is
 * either handed to the MCP SDK as one JSON-RPC 2.0 object, or answered at once with a JSON-RPC error
 * ({@code -32700} or {@code -32600}); never both, never dropped silently, never a crash that would end
 * the session.
 */
class StdioGuardFuzzTest {
    private static final List<String> MESSAGES = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                    + "\"clientInfo\":{\"name\":\"agent\",\"version\":\"1.0\"}}}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"call-7\",\"method\":\"tools/call\",\"params\":{\"name\":\"write_file\","
                    + "\"arguments\":{\"path\":\"/tmp/x\",\"content\":\"hello \\u00e9 \\\"quoted\\\"\"}}}",
            "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"roots\":[]}}");

    @Property(seed = Fuzzing.SEED)
    void everyLineIsPassedOnOrAnsweredWithAJsonRpcError(@ForAll("lines") String input) throws Exception {
        ByteArrayOutputStream toAgent = new ByteArrayOutputStream();
        CountDownLatch ended = new CountDownLatch(1);
        StdioGuard guard = new StdioGuard(new ByteArrayInputStream((input + "\n").getBytes(StandardCharsets.UTF_8)), toAgent, ended::countDown);
        byte[] passed = guard.sdkInput().readAllBytes(); // ends with the agent's input
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();

        // What the guard read, line by line, as UTF-8 decoding of what was sent gives it.
        String sent = new String((input + "\n").getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        long lines = Arrays.stream(sent.split("\n", -1)).filter(line -> !line.strip().isEmpty()).count();
        List<String> toSdk = lines(passed);
        List<String> answered = lines(toAgent.toByteArray());
        assertThat(toSdk.size() + answered.size()).as("each non-blank line has one fate").isEqualTo(lines);
        for (String line : toSdk) {
            JsonNode message = Json.parse(line);
            assertThat(message.isObject()).isTrue();
            assertThat(message.path("jsonrpc").asString()).isEqualTo("2.0");
        }
        for (String line : answered) {
            JsonNode error = Json.parse(line);
            assertThat(error.path("jsonrpc").asString()).isEqualTo("2.0");
            assertThat(error.path("error").path("code").asInt()).isIn(-32700, -32600);
            assertThat(error.path("error").path("message").asString()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> lines() {
        return Mutations.of(MESSAGES);
    }

    private static List<String> lines(byte[] bytes) {
        return Arrays.stream(new String(bytes, StandardCharsets.UTF_8).split("\n")).filter(line -> !line.isEmpty()).toList();
    }
}
