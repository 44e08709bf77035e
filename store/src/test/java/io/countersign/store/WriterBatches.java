package io.countersign.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.store.jdbc.GroupCommitWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Puts writes into one batch of a {@link GroupCommitWriter} in a known order, on table {@code t (k integer primary key)}. */
final class WriterBatches {
    private WriterBatches() {
    }

    /**
     * Starts a write of row 0 that holds the writer's connection until {@code release}, and returns once it holds
     * it: the writes queued meanwhile then make the next batch, in the order they queued.
     */
    static Future<Integer> holdTheConnection(GroupCommitWriter writer, ExecutorService pool, CountDownLatch release) throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        Future<Integer> held = pool.submit(() -> writer.execute(c -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new SQLException(e);
            }
            return c.createStatement().executeUpdate("INSERT INTO t VALUES (0)");
        }));
        assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
        return held;
    }

    /** Inserts rows {@code from} to {@code to}, each a write of its own, all at once. */
    static List<Future<Integer>> insertEach(GroupCommitWriter writer, ExecutorService pool, int from, int to) {
        List<Future<Integer>> writes = new ArrayList<>();
        for (int key = from; key <= to; key++) {
            String insert = "INSERT INTO t VALUES (" + key + ")";
            writes.add(pool.submit(() -> writer.execute(c -> c.createStatement().executeUpdate(insert))));
        }
        return writes;
    }

    /**
     * A batch whose first write writes a row and then fails, followed by ten good writes: the first write runs
     * without a savepoint, so the whole transaction is rolled back and begun again before the ten.
     */
    static void aFailingFirstWriteIsUndoneAndTheWritesBehindItAreCommitted(GroupCommitWriter writer, Connection check) throws Exception {
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CountDownLatch release = new CountDownLatch(1);
            Future<Integer> held = holdTheConnection(writer, pool, release);
            Future<Integer> failing = pool.submit(() -> writer.execute(c -> {
                c.createStatement().executeUpdate("INSERT INTO t VALUES (100)");
                return c.createStatement().executeUpdate("INSERT INTO t VALUES (100)");   // a duplicate: fails after a write
            }));
            Thread.sleep(200);   // queued first
            List<Future<Integer>> behind = insertEach(writer, pool, 1, 10);
            Thread.sleep(200);
            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(SQLException.class);
            for (Future<Integer> write : behind) {
                assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            }
            assertThat(writer.stats().commits()).as("the held write, then one batch").isEqualTo(2);
            assertThat(writer.healthy()).isTrue();
        } finally {
            pool.shutdownNow();
        }
        List<Integer> keys = new ArrayList<>();
        try (ResultSet rows = check.createStatement().executeQuery("SELECT k FROM t ORDER BY k")) {
            while (rows.next()) {
                keys.add(rows.getInt(1));
            }
        }
        assertThat(keys).as("nothing of the failed write, all of the others").containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }
}
