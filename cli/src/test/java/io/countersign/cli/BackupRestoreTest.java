package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditLogCorruptedException;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import io.countersign.testing.Directories;
import io.countersign.testing.LoadConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup and restore procedure of SECURITY.md, as an operator runs it: {@code countersign backup}
 * while the node serves a load, then a restore on a fresh directory with the same keys. A restore is a
 * rollback, so the node refuses it until the operator sets the newer checkpoint aside; then every
 * request acknowledged before the backup is there with a proof that verifies.
 */
class BackupRestoreTest {
    @TempDir
    Path temp;

    Process node;

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) {
            node.destroyForcibly();
            node.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBackupTakenUnderLoadRestoresEveryRequestAcknowledgedBeforeIt() throws Exception {
        Path config = temp.resolve("config");
        ConfigDirectory.ensureExample(config);
        LoadConfig.liftLimits(config); // the load comes from one agent
        int port = NodeProcess.freePort();
        node = NodeProcess.start(config, port, temp.resolve("node.log"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        NodeProcess.awaitHealthy(http, port, temp.resolve("node.log"));

        Path backup = temp.resolve("countersign-backup.db");
        Set<String> beforeBackup;
        Set<String> all;
        try (SubmitLoad load = new SubmitLoad(http, ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY"), (client, i) -> port)) {
            load.awaitAcknowledged(200);
            beforeBackup = Set.copyOf(load.acknowledged);
            Cli.Run taken = Cli.run("backup", "--config", config.toString(), "--to", backup.toString());
            assertThat(taken.exit()).as(taken.err()).isEqualTo(ExitCode.OK);
            assertThat(taken.out()).matches("backed up \\d+ actions and an audit log of \\d+ entries to .*countersign-backup.db\\n");
            load.awaitAcknowledged(load.acknowledged.size() + 100); // the node served on meanwhile
            all = Set.copyOf(load.acknowledged);
        }
        // A proof of a later request makes the node sign (and keep) a checkpoint past the backup, as it does
        // within a second anyway: the log now records that it went further than the backup.
        String later = all.stream().filter(id -> !beforeBackup.contains(id)).max(String::compareTo).orElseThrow();
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/actions/" + later + "/proof"))
                .header("Authorization", "Bearer " + ConfigDirectory.demoKey(config, "COUNTERSIGN_ALICE_KEY")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
        assertThat(Files.getPosixFilePermissions(backup)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Cli.Run again = Cli.run("backup", "--config", config.toString(), "--to", backup.toString());
        assertThat(again.exit()).isEqualTo(ExitCode.ERROR);
        assertThat(again.err()).contains("exists already; a backup never overwrites a file");
        node.destroy();
        assertThat(node.waitFor(20, TimeUnit.SECONDS)).isTrue();

        // A fresh directory: the configuration with its keys, and the backup as its store.
        Path restored = temp.resolve("restored");
        Directories.copy(config, restored);
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(restored.resolve("data/countersign.db" + suffix));
        }
        Files.copy(backup, restored.resolve("data/countersign.db"));
        assertThatThrownBy(() -> CountersignServer.start(restored, "127.0.0.1", 0, Clock.systemUTC()).close())
                .as("the log's last checkpoint is past the backup: a rollback, refused until accepted")
                .isInstanceOf(AuditLogCorruptedException.class).hasMessageContaining("the log was truncated: a signed checkpoint covers");
        Files.move(restored.resolve("audit/checkpoint"), restored.resolve("audit/checkpoint.before-restore"));
        try (CountersignServer server = CountersignServer.start(restored, "127.0.0.1", 0, Clock.systemUTC())) {
            AcknowledgedLog.verify(http, server.port(), restored, beforeBackup);
        }
    }

    @Test
    void aPostgresStoreIsBackedUpWithItsOwnTools() throws Exception {
        Path config = temp.resolve("config");
        ConfigDirectory.ensureExample(config);
        Path settings = config.resolve("countersign.yaml");
        Files.writeString(settings, Files.readString(settings).replace("  sqlite: data/countersign.db",
                "  url: jdbc:postgresql://127.0.0.1:5432/test\n  user: postgres"));
        Cli.Run run = Cli.run("backup", "--config", config.toString(), "--to", temp.resolve("b.db").toString());
        assertThat(run.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("the store is PostgreSQL jdbc:postgresql://127.0.0.1:5432/test; back PostgreSQL up with its own tools");
        assertThat(temp.resolve("b.db")).doesNotExist();
    }
}
