package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.client.JsonApi;
import io.countersign.mcp.McpPeers;
import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** The gate between one call and Countersign, against a real node and a TypeScript SDK upstream. */
class ToolCallGateTest {
    private static final String POLICY = """
            version: 1
            rules:
              - id: held-echo
                when: action == "mcp.up.echo" && payload.arguments.text == "hold me"
                effect: require_approval
                approvals: {min: 1, from: [sre]}
                ttl: 10m
              - id: other-echoes
                when: action == "mcp.up.echo"
                effect: allow
              - id: no-secrets-echoed
                when: action == "mcp.up.echo" && payload.arguments.text.contains("password")
                effect: deny
                reason: passwords are not echoed
            """;

    @TempDir
    Path config;

    CountersignServer server;
    UpstreamServer upstream;

    @BeforeEach
    void start() throws Exception {
        server = McpPeers.startNode(config, POLICY);
    }

    @AfterEach
    void stop() {
        if (upstream != null) {
            upstream.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aDeniedCallNamesTheRuleThatDeniedItNotTheFirstThatMatched() throws Exception {
        ToolCallGate gate = gate("hold: 5s");
        UpstreamServer.KnownTool echo = upstream.tool("echo").orElseThrow();
        ObjectNode answer = gate.call(upstream, echo, Json.MAPPER.valueToTree(Map.of("text", "my password is hunter2")), new Cancellation());
        assertThat(answer.path("isError").asBoolean()).isTrue();
        assertThat(answer.path("content").get(0).path("text").asString()).contains("passwords are not echoed (rule no-secrets-echoed)")
                .doesNotContain("other-echoes");
    }

    /** On stdio a call runs on a platform thread, on Streamable HTTP on a virtual one: either wait ends at the cancellation. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aHeldCallTheAgentCancelsStopsWaitingAtOnceAndTheNextCallIsServed(boolean virtual) throws Exception {
        ToolCallGate gate = gate("hold: 120s");
        UpstreamServer.KnownTool echo = upstream.tool("echo").orElseThrow();

        Cancellation cancellation = new Cancellation();
        Thread.Builder threads = virtual ? Thread.ofVirtual() : Thread.ofPlatform();
        CompletableFuture<ObjectNode> held = CompletableFuture.supplyAsync(
                () -> gate.call(upstream, echo, Json.MAPPER.valueToTree(Map.of("text", "hold me")), cancellation), threads::start);
        Thread.sleep(1500);
        assertThat(held).as("held for people, for up to two minutes").isNotDone();
        long cancelledAt = System.nanoTime();
        cancellation.cancel();
        ObjectNode answer = held.get(10, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt))
                .as("the long-poll (up to 60 s) ended with the cancellation").isLessThan(3000);
        assertThat(answer.path("isError").asBoolean()).isTrue();
        assertThat(answer.path("content").get(0).path("text").asString()).contains("cancelled").contains("nothing ran");

        ObjectNode next = gate.call(upstream, echo, Json.MAPPER.valueToTree(Map.of("text", "hi")), new Cancellation());
        assertThat(next.path("isError").asBoolean()).as(next.toString()).isFalse();
        assertThat(next.path("content").get(0).path("text").asString()).contains("hi");
    }

    @Test
    void aCallStillUndecidedWhenTheHoldEndsAnswersAsTheSettingsSayWithItsRequest() throws Exception {
        for (String onPending : new String[] {"result", "error"}) {
            ToolCallGate gate = gate("hold: 1s\non_pending: " + onPending);

            ObjectNode answer = gate.call(upstream, upstream.tool("echo").orElseThrow(), Json.MAPPER.valueToTree(Map.of("text", "hold me")),
                    new Cancellation());

            assertThat(answer.path("isError").asBoolean()).as(onPending + ": " + answer).isEqualTo(onPending.equals("error"));
            assertThat(answer.path("content").get(0).path("text").asString()).contains("needs approval").contains("Nothing ran yet");
            assertThat(answer.path("_meta").path("countersign/status").asString()).isEqualTo("pending");
            assertThat(answer.path("_meta").path("countersign/request").asString()).startsWith("act_");
            upstream.close();
            upstream = null;
        }
    }

    /** A gate with {@code settings} (YAML lines besides the servers) in front of the faulty server, which becomes {@link #upstream}. */
    private ToolCallGate gate(String settings) throws Exception {
        Path file = config.resolve("gateway.yaml");
        Files.writeString(file, "env: dev\n" + settings + "\nservers:\n  up:\n    command: [node, "
                + McpPeers.DIRECTORY.resolve("faulty-server.mjs").toAbsolutePath() + "]\n    labels: {read_only: \"true\", destructive: \"false\"}\n");
        GatewaySettings loaded = GatewaySettings.load(file, name -> null);
        upstream = UpstreamServer.connect(loaded.servers().getFirst(), loaded.timeout(), ToolPins.inMemory());
        return new ToolCallGate(JsonApi.connect("http://127.0.0.1:" + server.port(), ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY")), loaded);
    }
}
