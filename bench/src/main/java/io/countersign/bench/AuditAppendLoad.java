package io.countersign.bench;

import io.countersign.events.AuditEvent;
import io.countersign.policy.Allow;
import io.countersign.policy.PolicyVersion;
import io.countersign.audit.AuditEntry;
import io.countersign.audit.Rfc6962;
import io.countersign.events.ActionEvent;
import io.countersign.events.EventType;
import io.countersign.model.ActionId;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import io.countersign.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Load generator: many writers append audit entries through the store (durable group commit: one
 * SQLite transaction and fsync per batch, leaves and tree hashes included), then the same bytes in the
 * same batch size are written to a plain file with one fsync per batch — the floor any durable log pays.
 * With a PostgreSQL URL as fourth argument, the same load runs against the PostgreSQL store instead.
 * Usage: AuditAppendLoad DIR [threads] [seconds] [jdbc:postgresql://…?currentSchema=…]
 */
public final class AuditAppendLoad {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Files.createDirectories(dir);
        Path db = dir.resolve("append.db");
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Files.deleteIfExists(Path.of(db + suffix));
        }
        String postgres = args.length > 3 ? args[3] : null;
        JdbcActionStore store = (JdbcActionStore) (postgres == null ? SqliteStore.open(db)
                : io.countersign.store.postgres.PostgresStore.open(postgres, "postgres", null));
        LongAdder entries = new LongAdder();
        LongAdder bytes = new LongAdder();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int writer = t;
            writers.add(Thread.ofVirtual().start(() -> {
                for (long i = 0; running.get(); i++) {
                    // Two entries per call, as one submission writes: requested and decided.
                    List<ActionEvent> events = List.of(event(writer, i, EventType.REQUESTED), event(writer, i, EventType.DECIDED));
                    store.append(events);
                    entries.add(2);
                    bytes.add(AuditEntry.encode(events.get(0)).length + AuditEntry.encode(events.get(1)).length);
                }
            }));
        }
        Thread.sleep(3_000); // warm-up
        long startEntries = entries.sum();
        long startBytes = bytes.sum();
        GroupCommitWriter.Stats startStats = store.writerStats();
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long appended = entries.sum() - startEntries;
        long written = bytes.sum() - startBytes;
        GroupCommitWriter.Stats stats = store.writerStats();
        double elapsed = (System.nanoTime() - start) / 1e9;
        running.set(false);
        for (Thread writer : writers) {
            writer.join();
        }
        long commits = stats.commits() - startStats.commits();
        double perCommit = (double) appended / commits;
        double rate = appended / elapsed;
        System.out.printf("store append (group commit, %s): %.0f entries/s, %d threads, %.1f entries per commit, %.0f B per entry, log size %d%n",
                postgres == null ? "SQLite WAL synchronous=FULL" : "PostgreSQL, synchronous_commit on", rate, threads, perCommit, (double) written / appended, store.auditLog().size());
        store.close();

        int batch = Math.max(1, (int) Math.round(perCommit));
        int entrySize = (int) Math.round((double) written / appended);
        double plain = plainWriteAndFsync(dir.resolve("plain.log"), entrySize, batch, seconds);
        System.out.printf("plain sequential write + fsync, same bytes (%d B) and batch (%d): %.0f entries/s%n", entrySize, batch, plain);
        System.out.printf("ratio store/plain: %.2f%n", rate / plain);
        double hashing = sha256Limit(entrySize, seconds);
        System.out.printf("SHA-256 alone, one core (a leaf hash and one interior node hash per entry): %.0f entries/s%n", hashing);
        System.out.printf("ratio store/SHA-256: %.3f%n", rate / hashing);
        BenchResult.of("audit", (postgres == null ? "SQLite" : "PostgreSQL") + ", " + threads + " writers")
                .metric("entries_per_s", rate).metric("entries_per_commit", perCommit).metric("bytes_per_entry", entrySize)
                .metric("disk_limit_entries_per_s", plain).metric("ratio_to_disk", rate / plain)
                .metric("sha256_limit_entries_per_s", hashing).metric("ratio_to_sha256", rate / hashing).print();
    }

    /**
     * The CPU's limit for the tree: RFC 6962 hashing of entries of this size, one core. A tree of n leaves
     * has n - 1 interior nodes, so each appended entry costs one leaf hash and, amortised, one node hash.
     */
    private static volatile byte[] sink;

    private static double sha256Limit(int entrySize, int seconds) {
        byte[] entry = new byte[entrySize];
        Arrays.fill(entry, (byte) 'a');
        byte[] node = Rfc6962.leafHash(entry);
        long entries = 0;
        long end = System.nanoTime() + Math.min(seconds, 5) * 1_000_000_000L;
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                entry[i % entrySize] ^= 1;
                node = Rfc6962.nodeHash(node, Rfc6962.leafHash(entry));
            }
            entries += 1000;
        }
        sink = node; // so the JIT cannot drop the hashing as unused
        return entries / ((System.nanoTime() - start) / 1e9);
    }

    private static ActionEvent event(int writer, long i, EventType type) {
        String digest = "sha256:" + "ab".repeat(32);
        AuditEvent event = type == EventType.REQUESTED
                ? new AuditEvent.Requested(digest, "db.export", "postgres.table:prod/customers-" + writer,
                        "Export customers for the churn model, run " + i, null, null)
                : new AuditEvent.Decided(digest, new Allow(List.of("pii-export-needs-two"), List.of(),
                        new PolicyVersion("sha256:" + "cd".repeat(32))), "allowed", null);
        return new ActionEvent(new ActionId("act_" + String.format("%016x%016x", writer, i)), "deploy-agent", Instant.now(), event);
    }

    private static double plainWriteAndFsync(Path file, int entrySize, int batch, int seconds) throws IOException {
        Files.deleteIfExists(file);
        ByteBuffer buffer = ByteBuffer.allocateDirect(entrySize * batch);
        long entries = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long start = System.nanoTime();
            while (System.nanoTime() < end) {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(false);
                entries += batch;
            }
            return entries / ((System.nanoTime() - start) / 1e9);
        }
    }
}
