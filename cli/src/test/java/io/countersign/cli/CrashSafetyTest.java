package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.LogKey;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.TlogProof;
import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
        String agent = ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process node = startNode(port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        awaitHealthy(http, port);

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        for (int c = 0; c < 8; c++) {
            int client = c;
            clients.submit(() -> {
                for (int i = 0; running.get(); i++) {
                    // Allowed reads and held exports: both kinds of decision must survive.
                    String action = i % 2 == 0 ? "db.read" : "db.export";
                    String body = """
                            {"action": "%s", "resource": {"type": "postgres.table", "id": "t-%d-%d", "env": "dev"},
                             "intent": {"summary": "crash test %d/%d"}}""".formatted(action, client, i, client, i);
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/actions"))
                                .header("Authorization", "Bearer " + agent).header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 200 || response.statusCode() == 202) {
                            acknowledged.add(Json.parse(response.body()).path("id").asString());
                        }
                    } catch (IOException e) {
                        return null; // the node is gone
                    }
                }
                return null;
            });
        }
        while (acknowledged.size() < 300) {
            Thread.sleep(20);
        }
        node.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        node.waitFor(10, TimeUnit.SECONDS);
        running.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        // Restarting runs the start-up check: it recomputes the log from every entry and compares it with the signed checkpoint.
        try (CountersignServer restarted = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC())) {
            NoteVerifier key = LogKey.parse(Files.readString(config.resolve("audit/log.key"))).verifier();
            for (String id : acknowledged) {
                HttpResponse<String> proof = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restarted.port()
                        + "/v1/actions/" + id + "/proof")).header("Authorization", "Bearer " + agent).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(proof.statusCode()).as("proof of acknowledged action %s", id).isEqualTo(200);
                TlogProof.parse(proof.body()).verify(key, null);
            }
            StringBuilderWriter out = new StringBuilderWriter();
            var commandLine = Main.commandLine();
            commandLine.setOut(out.printer());
            commandLine.setErr(out.printer());
            int exit = commandLine.execute("audit", "verify", "--key", verifierKey(),
                    "--server", "http://127.0.0.1:" + restarted.port(),
                    "--token", ConfigDirectory.demoKey(config, "COUNTERSIGN_ALICE_KEY"));
            assertThat(exit).as(out.toString()).isEqualTo(ExitCode.OK);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);
    }

    private String verifierKey() throws IOException {
        return LogKey.parse(Files.readString(config.resolve("audit/log.key"))).verifierKey();
    }

    private Process startNode(int port) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return new ProcessBuilder(List.of(java, "-cp", classpath, Main.class.getName(), "serve", "--config", config.toString(),
                "--port", Integer.toString(port)))
                .redirectErrorStream(true)
                .redirectOutput(config.resolve("node.log").toFile())
                .start();
    }

    private void awaitHealthy(HttpClient http, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the node did not start: " + Files.readString(config.resolve("node.log")));
    }

    /** Collects a command's output for the failure message. */
    private static final class StringBuilderWriter extends java.io.StringWriter {
        java.io.PrintWriter printer() {
            return new java.io.PrintWriter(this, true);
        }
    }
}
