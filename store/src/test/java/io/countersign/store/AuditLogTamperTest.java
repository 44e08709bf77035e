package io.countersign.store;

import io.countersign.events.AuditEvent;
import io.countersign.audit.AuditLogStore;
import io.countersign.storage.Storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.audit.AuditLogCorruptedException;
import io.countersign.audit.Checkpoint;
import io.countersign.audit.Checkpointer;
import io.countersign.audit.LogKey;
import io.countersign.audit.ProofVerifier;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.RootBuilder;
import io.countersign.audit.SignedCheckpoint;
import io.countersign.audit.SignedNote;
import io.countersign.audit.TreeMath;
import io.countersign.events.ActionEvent;
import io.countersign.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log as the store keeps it: leaves, stored tree and checkpoints agree, and the start-up
 * check names every kind of tampering with the stored log, and where it is.
 */
class AuditLogTamperTest {
    private static final int ENTRIES = 40;

    @TempDir
    Path dir;

    LogKey key;
    Path db;
    Path checkpointFile;

    @BeforeEach
    void writeALog() {
        key = LogKey.generate("test.example/audit");
        db = dir.resolve("data/test.db");
        checkpointFile = dir.resolve("audit/checkpoint");
        try (Storage store = SqliteStore.open(db)) {
            Checkpointer checkpointer = Checkpointer.start(key, store.auditLog(), checkpointFile, Clock.systemUTC());
            for (int i = 0; i < ENTRIES; i++) {
                store.append(List.of(event(i)));
                if (i % 10 == 9) {
                    checkpointer.sign();
                }
            }
        }
    }

    private static ActionEvent event(int i) {
        return new ActionEvent(null, ActionEvent.SYSTEM, Instant.parse("2026-11-24T10:00:00Z").plusMillis(i),
                new AuditEvent.PolicyLoaded("sha256:" + i, null, "entry number " + i, i, java.util.List.of()));
    }

    private void startUp() {
        try (Storage store = SqliteStore.open(db)) {
            Checkpointer.start(key, store.auditLog(), checkpointFile, Clock.systemUTC());
        }
    }

    private void sql(String statement, Object... args) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement update = connection.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                update.setObject(i + 1, args[i]);
            }
            update.executeUpdate();
        }
    }

    private byte[] entry(long index) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + db);
             PreparedStatement select = connection.prepareStatement("SELECT entry FROM events WHERE leaf_index = ?")) {
            select.setLong(1, index);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getBytes(1);
            }
        }
    }

    @Test
    void anUntouchedLogPassesAndItsTreeProofsAndCheckpointsAgree() throws Exception {
        startUp();
        try (Storage store = SqliteStore.open(db)) {
            AuditLogStore log = store.auditLog();
            assertThat(log.size()).isEqualTo(ENTRIES);
            RootBuilder recomputed = new RootBuilder();
            log.entries(0, ENTRIES, (index, entry, leafHash) -> {
                assertThat(leafHash).isEqualTo(Rfc6962.leafHash(entry));
                recomputed.add(leafHash);
            });
            byte[] root = TreeMath.treeHash(ENTRIES, log.hashes());
            assertThat(recomputed.root()).isEqualTo(root);
            SignedCheckpoint latest = SignedCheckpoint.open(Files.readString(checkpointFile), key.verifier());
            assertThat(latest.checkpoint()).isEqualTo(new Checkpoint(key.name(), ENTRIES, root));
            assertThat(log.checkpoints()).extracting(AuditLogStore.StoredCheckpoint::size).containsExactly(0L, 10L, 20L, 30L, 40L);
            ProofVerifier.verifyInclusion(17, ENTRIES, Rfc6962.leafHash(entry(17)),
                    TreeMath.inclusionProof(17, ENTRIES, log.hashes()), root);
            ProofVerifier.verifyConsistency(10, ENTRIES, log.checkpoints().get(1).root(), root,
                    TreeMath.consistencyProof(10, ENTRIES, log.hashes()));
            assertThat(new String(entry(3), StandardCharsets.UTF_8)).isEqualTo(
                    "{\"actor\":\"countersign\",\"detail\":{\"files\":[],\"rules\":3,\"trigger\":\"entry number 3\",\"version\":\"sha256:3\"},\"time\":\"2026-11-24T10:00:00.003Z\",\"type\":\"policy.loaded\"}");
        }
    }

    @Test
    void aFlippedByteInAStoredEntryIsFoundAtItsIndex() throws Exception {
        byte[] entry = entry(23);
        entry[12] ^= 0x01;
        sql("UPDATE events SET entry = ? WHERE leaf_index = 23", entry);
        assertThatThrownBy(this::startUp).isInstanceOf(AuditLogCorruptedException.class)
                .hasMessageContaining("entry 23 was altered").hasMessageContaining("first bad index: 23");
    }

    @Test
    void aDeletedEntryIsNamed() throws Exception {
        sql("DELETE FROM events WHERE leaf_index = 12");
        assertThatThrownBy(this::startUp).hasMessageContaining("entry 12 is missing").hasMessageContaining("first bad index: 12");
    }

    @Test
    void twoReorderedEntriesAreFound() throws Exception {
        byte[] five = entry(5);
        byte[] six = entry(6);
        sql("UPDATE events SET entry = ? WHERE leaf_index = 5", six);
        sql("UPDATE events SET entry = ? WHERE leaf_index = 6", five);
        assertThatThrownBy(this::startUp).hasMessageContaining("entry 5 was altered");
    }

    @Test
    void aTruncatedLogIsFoundEvenWithItsTreeAndCheckpointRowsGone() throws Exception {
        sql("DELETE FROM events WHERE leaf_index >= 35");
        sql("DELETE FROM audit_hashes WHERE idx >= ?", TreeMath.storedHashIndex(0, 35));
        sql("DELETE FROM audit_checkpoints WHERE size > 35");
        assertThatThrownBy(this::startUp).hasMessageContaining("truncated")
                .hasMessageContaining("covers 40 entries but only 35 are present").hasMessageContaining("first bad index: 35");
    }

    @Test
    void entriesRewrittenTogetherWithTheirTreeHashesStillDisagreeWithTheSignedRoot() throws Exception {
        // The attacker rewrites entry 14 and every stored hash above it, consistently; only the signatures stop them.
        var original = event(14);
        var forged = new ActionEvent(original.actionId(), original.actor(), original.at(),
                new AuditEvent.PolicyLoaded("sha256:14", null, "nothing to see here", 14, java.util.List.of()));
        byte[] bytes = io.countersign.audit.AuditEntry.encode(forged);
        sql("UPDATE events SET entry = ? WHERE leaf_index = 14", bytes);
        List<byte[]> leaves = new ArrayList<>();
        for (long i = 0; i < ENTRIES; i++) {
            leaves.add(Rfc6962.leafHash(entry(i)));
        }
        List<byte[]> stored = new ArrayList<>();
        for (long i = 0; i < ENTRIES; i++) {
            stored.addAll(TreeMath.storedHashes(i, leaves.get((int) i), idx -> {
                byte[][] out = new byte[idx.length][];
                for (int j = 0; j < idx.length; j++) {
                    out[j] = stored.get((int) idx[j]);
                }
                return out;
            }));
        }
        for (int i = 0; i < stored.size(); i++) {
            sql("UPDATE audit_hashes SET hash = ? WHERE idx = ?", stored.get(i), i);
        }
        assertThatThrownBy(this::startUp).hasMessageContaining("entries 10 to 19 do not match the checkpoint signed at size 20")
                .hasMessageContaining("first bad index: 10");
    }

    @Test
    void aCheckpointSignedByAnotherKeyIsRefused() throws Exception {
        LogKey other = LogKey.generate(key.name());
        SignedCheckpoint real = SignedCheckpoint.open(Files.readString(checkpointFile), key.verifier());
        Files.writeString(checkpointFile, SignedNote.sign(real.checkpoint().body(), other));
        assertThatThrownBy(this::startUp).hasMessageContaining(checkpointFile.toString())
                .hasMessageContaining("is not a checkpoint signed by this log's key");
    }

    @Test
    void eventsRecordedBeforeTheLogExistedBecomeLeavesInOrder() throws Exception {
        sql("UPDATE events SET leaf_index = NULL, entry = NULL");
        sql("DELETE FROM audit_hashes");
        sql("DELETE FROM audit_checkpoints");
        Files.delete(checkpointFile);
        startUp();
        assertThat(new String(entry(3), StandardCharsets.UTF_8)).contains("\"rules\":3");
        try (Storage store = SqliteStore.open(db)) {
            assertThat(store.auditLog().size()).isEqualTo(ENTRIES);
        }
    }
}
