package io.countersign.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.client.JsonApi;
import io.countersign.mcp.McpPeers;
import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The outcome of a forwarded call reaches the audit log even when the node is away when the call ends. */
class OutcomeReportsTest {
    private static final String POLICY = """
            version: 1
            rules:
              - id: echoes
                when: action == "mcp.up.echo"
                effect: allow
            """;

    @TempDir
    Path config;

    CountersignServer node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private JsonNode allowed(JsonApi agent) {
        ObjectNode request = Json.object();
        request.put("action", "mcp.up.echo");
        request.putObject("resource").put("type", "mcp.tool").put("id", "up/echo");
        request.putObject("intent").put("summary", "echo");
        request.putObject("payload").putObject("arguments").put("text", "hi");
        JsonNode answer = agent.post("v1/actions", request).body();
        assertThat(answer.path("status").asString()).as(answer.toString()).isEqualTo("allowed");
        return answer;
    }

    @Test
    void anOutcomeReportedWhileTheNodeIsDownIsRecordedOnceItIsBack() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        McpPeers.startNode(config, POLICY).close(); // writes the example config and the policy
        node = CountersignServer.start(config, "127.0.0.1", port, Clock.systemUTC());
        JsonApi agent = JsonApi.connect("http://127.0.0.1:" + port, ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"));
        JsonNode allowed = allowed(agent);
        String id = allowed.path("id").asString();
        node.close(); // a restart, say, just as the call ends
        node = null;

        new OutcomeReports(agent, Duration.ofMillis(200)).report(id, allowed.path("grant").path("token").asString(),
                Instant.parse(allowed.path("grant").path("expires_at").asString()), true, null);
        Thread.sleep(1500);
        node = CountersignServer.start(config, "127.0.0.1", port, Clock.systemUTC());

        String status = null;
        for (int i = 0; i < 100 && !"executed".equals(status); i++) {
            Thread.sleep(100);
            status = agent.get("v1/actions/" + id, Duration.ofSeconds(5)).body().path("status").asString();
        }
        assertThat(status).as("the outcome was sent again until the node took it").isEqualTo("executed");
        JsonNode execution = agent.get("v1/actions/" + id, Duration.ofSeconds(5)).body().path("execution");
        assertThat(execution.path("outcome").asString()).isEqualTo("succeeded");
    }
}
