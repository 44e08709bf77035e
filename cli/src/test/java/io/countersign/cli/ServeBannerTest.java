package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.ConfigDirectory;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `countersign serve` prints on start ends up in terminals, CI logs and journald: where the demo keys are, never a key. */
class ServeBannerTest {
    @TempDir
    Path work;

    @Test
    void theBannerSaysWhereTheDemoKeysAreAndPrintsNone() throws Exception {
        Path config = work.resolve("config");
        Path log = work.resolve("node.log");
        int port = NodeProcess.freePort();
        Process node = NodeProcess.start(config, port, log);
        try {
            NodeProcess.awaitHealthy(HttpClient.newHttpClient(), port, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.readString(log).contains("demo keys:") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            String banner = Files.readString(log);
            assertThat(banner).contains("Countersign is listening on http://127.0.0.1:" + port)
                    .contains("demo keys: " + config.toAbsolutePath().resolve("demo-keys.env"));
            for (String who : new String[] {"AGENT", "ALICE", "BOB", "CAROL"}) {
                String key = ConfigDirectory.demoKey(config, "COUNTERSIGN_" + who + "_KEY");
                assertThat(key).startsWith("cs_");
                assertThat(banner).as(who + "'s key").doesNotContain(key);
            }
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
