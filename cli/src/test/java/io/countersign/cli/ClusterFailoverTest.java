package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.testing.Directories;
import io.countersign.testing.PostgresSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two node processes on one real PostgreSQL under a stream of requests; the node that leads the
 * background work is killed with SIGKILL in the middle. The other takes the lead, goes on answering,
 * and every acknowledged request is there with a proof that verifies against the shared log.
 */
class ClusterFailoverTest {
    @TempDir
    Path config;

    PostgresSchema schema;
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (Process process : processes) {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        if (schema != null) {
            schema.close();
        }
    }

    @Test
    void killingTheLeadingNodeLosesNothingAcknowledged() throws Exception {
        schema = new PostgresSchema();
        Path first = config.resolve("node-a");
        ConfigDirectory.ensureExample(first);
        io.countersign.testing.LoadConfig.liftLimits(first); // the load comes from one agent
        schema.useIn(first);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        int portA = NodeProcess.freePort();
        Process a = start(first, "a", portA);
        NodeProcess.awaitHealthy(http, portA, config.resolve("a.log"));
        Path second = config.resolve("node-b");
        Directories.copy(first, second);
        int portB = NodeProcess.freePort();
        Process b = start(second, "b", portB);
        NodeProcess.awaitHealthy(http, portB, config.resolve("b.log"));
        String agent = ConfigDirectory.demoKey(first, "COUNTERSIGN_AGENT_KEY");

        int[] ports = {portA, portB};
        int survivorPort;
        Set<String> acknowledged;
        try (SubmitLoad load = new SubmitLoad(http, agent, (client, i) -> ports[(client + i) % 2])) {
            load.awaitAcknowledged(200);
            int leaderPort = leads(http, portA) ? portA : portB;
            survivorPort = leaderPort == portA ? portB : portA;
            assertThat(leads(http, leaderPort)).isTrue();
            assertThat(leads(http, survivorPort)).isFalse();
            (leaderPort == portA ? a : b).destroyForcibly(); // SIGKILL, possibly in the middle of a transaction
            load.awaitAcknowledged(load.acknowledged.size() + 200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!leads(http, survivorPort) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(leads(http, survivorPort)).as("the surviving node takes over the background work").isTrue();
            acknowledged = load.acknowledged;
        }

        AcknowledgedLog.verify(http, survivorPort, first, acknowledged);
    }

    private static boolean leads(HttpClient http, int port) {
        try {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = Json.parse(health.body());
            return body.path("leads").asBoolean(false);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Process start(Path directory, String nodeId, int port) throws IOException {
        Process process = NodeProcess.start(directory, port, config.resolve(nodeId + ".log"), "--node-id", nodeId);
        processes.add(process);
        return process;
    }

}
