package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.ConfigDirectory;
import io.countersign.testing.PrivatePostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node on PostgreSQL under a stream of requests while the database is restarted (sessions cut off, the
 * server down for a few seconds). Meanwhile requests are refused at once with a JSON 503 and the node
 * says it is unhealthy; once the database is back the node serves again by itself, and every request
 * it acknowledged, before or after, is stored with a proof that verifies.
 */
class PostgresRestartTest {
    @TempDir
    Path config;

    PrivatePostgres database;
    Process node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aDatabaseRestartIsRefusedQuicklyAndRecoveredFromWithNothingAcknowledgedLost() throws Exception {
        database = new PrivatePostgres();
        Path directory = config.resolve("node");
        ConfigDirectory.ensureExample(directory);
        io.countersign.testing.LoadConfig.liftLimits(directory); // the load comes from one agent
        Path settings = directory.resolve("countersign.yaml");
        Files.writeString(settings, Files.readString(settings).replace("  sqlite: data/countersign.db",
                "  url: " + database.url() + "\n  user: postgres"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        int port = NodeProcess.freePort();
        node = NodeProcess.start(directory, port, config.resolve("node.log"));
        NodeProcess.awaitHealthy(http, port, config.resolve("node.log"));
        String agent = ConfigDirectory.demoKey(directory, "COUNTERSIGN_AGENT_KEY");

        Set<String> acknowledged;
        try (SubmitLoad load = new SubmitLoad(http, agent, (client, i) -> port)) {
            load.awaitAcknowledged(200);
            database.stop();
            long downSince = System.nanoTime();
            while (load.answered(503) < 50 && System.nanoTime() - downSince < TimeUnit.SECONDS.toNanos(30)) {
                Thread.sleep(20);
            }
            assertThat(load.answered(503)).as("requests refused while the database is down").isGreaterThanOrEqualTo(50);
            assertThat(health(http, port)).as("health while the database is down").isEqualTo(503);
            int beforeRestart = load.acknowledged.size();
            database.start();
            load.awaitAcknowledged(beforeRestart + 200);
            assertThat(health(http, port)).as("health once the database is back").isEqualTo(200);
            assertThat(load.malformedRefusal.get()).as("a refusal that is not a JSON error").isNull();
            assertThat(Duration.ofNanos(load.slowestRefusalNanos.get())).as("slowest refusal").isLessThan(Duration.ofSeconds(3));
            assertThat(load.statuses.keySet()).as("answers seen").isSubsetOf(200, 202, 503);
            acknowledged = load.acknowledged;
        }

        AcknowledgedLog.verify(http, port, directory, acknowledged);
    }

    private static int health(HttpClient http, int port) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
