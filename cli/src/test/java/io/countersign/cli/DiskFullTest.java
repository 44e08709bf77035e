package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import io.countersign.testing.LoadConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk fills up under the audit log while a load runs: the node's files may not grow past a few
 * megabytes ({@code prlimit --fsize}, so a write fails as it does on a full disk). From then on every
 * submission is refused with a JSON 503 and the node says it is unhealthy: nothing is allowed on the
 * strength of a write that did not happen. Restarted with room, every request it acknowledged is there
 * with a proof that verifies.
 */
class DiskFullTest {
    @TempDir
    Path config;

    Process node;

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) {
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFullDiskFailsClosedAndLosesNothingAcknowledged() throws Exception {
        ConfigDirectory.ensureExample(config);
        LoadConfig.liftLimits(config); // the load comes from one agent
        int port = NodeProcess.freePort();
        // Big enough to start (the log file, SQLite's first pages), small enough to fill in seconds.
        node = NodeProcess.startUnder(List.of("prlimit", "--fsize=" + 3 * 1024 * 1024, "--"), config, port, config.resolve("node.log"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        NodeProcess.awaitHealthy(http, port, config.resolve("node.log"));

        Set<String> acknowledged;
        try (SubmitLoad load = new SubmitLoad(http, ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"), (client, i) -> port)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (load.answered(503) < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(load.answered(503)).as("refusals once the disk is full (acknowledged so far: %d)", load.acknowledged.size())
                    .isGreaterThanOrEqualTo(20);
            acknowledged = Set.copyOf(load.acknowledged);
            assertThat(load.malformedRefusal.get()).as("a refusal that is not a JSON error").isNull();
        }
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/actions"))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("""
                        {"action": "db.read", "resource": {"type": "postgres.table", "id": "after", "env": "dev"},
                         "intent": {"summary": "after the disk filled"}}""")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Json.parse(refused.body()).path("error").path("code").asString()).isEqualTo("store_unavailable");
        assertThat(refused.body()).contains("nothing was changed");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(Files.readString(config.resolve("node.log"))).doesNotContain(ConfigDirectory.demoKey(config, "COUNTERSIGN_ALICE_KEY"));
        node.destroy();
        assertThat(node.waitFor(20, TimeUnit.SECONDS)).isTrue();

        try (CountersignServer restarted = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC())) {
            AcknowledgedLog.verify(http, restarted.port(), config, acknowledged);
        }
        assertThat(acknowledged).isNotEmpty();
    }
}
