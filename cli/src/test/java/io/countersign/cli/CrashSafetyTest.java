package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.LogKey;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.TlogProof;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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

    /** Collects a command's output for the failure message. */
    private static final class StringBuilderWriter extends java.io.StringWriter {
        java.io.PrintWriter printer() {
            return new java.io.PrintWriter(this, true);
        }
    }
}
