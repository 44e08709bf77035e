package io.countersign.bench;

import io.countersign.audit.HashReader;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.TreeMath;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Inclusion proof generation from the stored tree the way the server reads it: the audit_hashes table
 * in SQLite (one IN query per proof), for a random leaf of a log of {@code size} entries. The tree is
 * built once (bench/target/audit-proof-SIZE.db) from synthetic leaf hashes and reused by later runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx6g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class InclusionProofBenchmark {
    @Param("10000000")
    long size;

    private Connection connection;
    private HashReader reader;

    @Setup(Level.Trial)
    public void open() throws Exception {
        Path file = Path.of("bench/target/audit-proof-" + size + ".db");
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
        Files.createDirectories(file.getParent());
        connection = source.getConnection();
        if (storedCount() != TreeMath.storedHashCount(size)) {
            build();
        }
        reader = indexes -> read(indexes);
    }

    private long storedCount() throws Exception {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS audit_hashes (idx INTEGER PRIMARY KEY, hash BLOB NOT NULL)");
            try (ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM audit_hashes")) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    /** Appends leaves with the store's own algorithm; the right edge of the tree is all it needs to read. */
    private void build() throws Exception {
        System.out.println("building a stored tree of " + size + " leaves (once)...");
        try (Statement statement = connection.createStatement()) {
            statement.execute("DELETE FROM audit_hashes");
        }
        connection.setAutoCommit(false);
        java.util.HashMap<Long, byte[]> recent = new java.util.HashMap<>();
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)")) {
            for (long n = 0; n < size; n++) {
                byte[] leaf = Rfc6962.leafHash(ByteBuffer.allocate(8).putLong(n).array());
                List<byte[]> hashes = TreeMath.storedHashes(n, leaf, indexes -> {
                    byte[][] out = new byte[indexes.length][];
                    for (int i = 0; i < indexes.length; i++) {
                        out[i] = recent.get(indexes[i]);
                    }
                    return out;
                });
                long index = TreeMath.storedHashIndex(0, n);
                for (byte[] hash : hashes) {
                    insert.setLong(1, index);
                    insert.setBytes(2, hash);
                    insert.addBatch();
                    recent.put(index, hash);
                    index++;
                }
                // Keep only what later leaves can still need: hashes of the tree's right edge.
                if (recent.size() > 4096) {
                    long keepFrom = TreeMath.storedHashIndex(0, n) - 2048;
                    long leaves = n + 1;
                    recent.keySet().removeIf(k -> k < keepFrom && !isRightEdge(k, leaves));
                }
                if (n % 100_000 == 99_999) {
                    insert.executeBatch();
                    connection.commit();
                }
            }
            insert.executeBatch();
            connection.commit();
        }
        connection.setAutoCommit(true);
    }

    /** True if stored hash {@code index} is the root of a complete subtree on the right edge of a tree of {@code size}. */
    private static boolean isRightEdge(long index, long size) {
        for (int level = 0; level < 63 && (1L << level) <= size; level++) {
            if ((size >> level & 1) == 1) {
                long n = (size >> level) - 1;
                if (TreeMath.storedHashIndex(level, n) == index) {
                    return true;
                }
            }
        }
        return false;
    }

    private byte[][] read(long[] indexes) {
        StringBuilder sql = new StringBuilder("SELECT idx, hash FROM audit_hashes WHERE idx IN (");
        for (int i = 0; i < indexes.length; i++) {
            sql.append(i == 0 ? "?" : ",?");
        }
        try (PreparedStatement select = connection.prepareStatement(sql.append(')').toString())) {
            for (int i = 0; i < indexes.length; i++) {
                select.setLong(i + 1, indexes[i]);
            }
            java.util.Map<Long, byte[]> found = new java.util.HashMap<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getLong(1), rows.getBytes(2));
                }
            }
            byte[][] out = new byte[indexes.length][];
            for (int i = 0; i < indexes.length; i++) {
                out[i] = found.get(indexes[i]);
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Benchmark
    public List<byte[]> inclusionProof() {
        long index = ThreadLocalRandom.current().nextLong(size);
        return TreeMath.inclusionProof(index, size, reader);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        connection.close();
    }
}
