package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a stream of requests: after a restart every acknowledged action is there,
 * with its decision in the log, and the log passes the start-up check and an auditor's verification.
 */
class CrashSafetyTest {
    @TempDir
    Path config;

    @Test
    void everyAcknowledgedActionSurvivesKillNine() throws Exception {
        ConfigDirectory.ensureExample(config);
        io.countersign.testing.LoadConfig.liftLimits(config); // the load comes from one agent
        String agent = ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY");
        int port = NodeProcess.freePort();
        Process node = NodeProcess.start(config, port, config.resolve("node.log"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        NodeProcess.awaitHealthy(http, port, config.resolve("node.log"));

        Set<String> acknowledged;
        try (SubmitLoad load = new SubmitLoad(http, agent, (client, i) -> port)) {
            load.awaitAcknowledged(300);
            node.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            node.waitFor(10, TimeUnit.SECONDS);
            acknowledged = load.acknowledged;
        }

        // Restarting runs the start-up check: it recomputes the log from every entry and compares it with the signed checkpoint.
        try (CountersignServer restarted = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC())) {
            AcknowledgedLog.verify(http, restarted.port(), config, acknowledged);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
    }
}
