package io.countersign.store.jdbc;

import io.countersign.store.StoreUnavailableException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs every write on one connection and one thread, many writes to a transaction: callers wait until
 * the transaction holding their write has committed (and so been fsynced), and share that fsync with
 * everyone who queued alongside them. Each write runs under its own savepoint, so one failing write
 * does not undo its neighbours.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
    private static final int MAX_BATCH = 512;

    /** One unit of work inside the shared transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> done) {
        void runIn(Connection connection, List<Runnable> completions) {
            Savepoint savepoint = null;
            try {
                savepoint = connection.setSavepoint();
                T result = work.run(connection);
                connection.releaseSavepoint(savepoint);
                completions.add(() -> done.complete(result));
            } catch (SQLException | RuntimeException e) {
                rollback(connection, savepoint);
                completions.add(() -> done.completeExceptionally(e));
            }
        }

        private static void rollback(Connection connection, Savepoint savepoint) {
            if (savepoint == null) {
                return;
            }
            try {
                connection.rollback(savepoint);
                connection.releaseSavepoint(savepoint);
            } catch (SQLException e) {
                LOG.log(Level.WARNING, "rollback to savepoint failed", e);
            }
        }
    }

    private static final Task<Void> STOP = new Task<>(c -> null, new CompletableFuture<>());

    private final Connection connection;
    private final PreparedStatement transactionStart;
    private final BlockingQueue<Task<?>> queue = new ArrayBlockingQueue<>(16_384);
    private final Thread thread;
    private volatile boolean open = true;
    /** Set after a commit failed: the disk may have dropped writes it reported done, so nothing more is trusted. */
    private volatile StoreUnavailableException failure;
    private volatile long commits;
    private volatile long writes;

    /** How many transactions committed and how many writes they carried (for benchmarks and tuning). */
    public record Stats(long commits, long writes) {
        public double averageBatch() {
            return commits == 0 ? 0 : (double) writes / commits;
        }
    }

    public GroupCommitWriter(Connection connection, String name) throws SQLException {
        this(connection, name, null);
    }

    /**
     * @param transactionStart a statement each transaction begins with, before any write; on PostgreSQL,
     *                         the lock that puts the transactions of every node in one order (null: none)
     */
    public GroupCommitWriter(Connection connection, String name, String transactionStart) throws SQLException {
        this.connection = connection;
        this.transactionStart = transactionStart == null ? null : connection.prepareStatement(transactionStart);
        connection.setAutoCommit(false);
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::loop);
    }

    /**
     * Runs {@code work} in the next transaction and returns its result once that transaction is durable.
     *
     * @throws StoreUnavailableException when the transaction could not be committed
     * @throws SQLException              rethrown (wrapped in the same type) when the work itself failed
     */
    public <T> T execute(Work<T> work) throws SQLException {
        if (!open) {
            throw new StoreUnavailableException("store is closed", null);
        }
        if (failure != null) {
            throw failure;
        }
        Task<T> task = new Task<>(work, new CompletableFuture<>());
        try {
            queue.put(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while queueing a write", e);
        }
        try {
            return task.done().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new StoreUnavailableException("write failed", cause);
        }
    }

    private void loop() {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        List<Runnable> completions = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            boolean stop = batch.remove(STOP);
            if (failure != null) {
                batch.forEach(task -> task.done().completeExceptionally(failure));
                batch.clear();
            }
            try {
                start();
                for (Task<?> task : batch) {
                    task.runIn(connection, completions);
                }
                connection.commit();
                commits++;
                writes += batch.size();
                completions.forEach(Runnable::run);
            } catch (SQLException e) {
                // Nothing in this batch is durable: every caller is told so and fails closed.
                LOG.log(Level.ERROR, "commit of " + batch.size() + " writes failed", e);
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                // As with fsync errors, a retry could "succeed" without the data: refuse every later write until restart.
                failure = new StoreUnavailableException("the store could not commit and refuses writes until restarted", e);
                batch.forEach(task -> task.done().completeExceptionally(failure));
            }
            batch.clear();
            completions.clear();
            if (stop) {
                drainClosed();
                return;
            }
        }
    }

    private void start() throws SQLException {
        if (transactionStart != null) {
            transactionStart.execute();
        }
    }

    private void drainClosed() {
        List<Task<?>> rest = new ArrayList<>();
        queue.drainTo(rest);
        rest.forEach(task -> task.done().completeExceptionally(new StoreUnavailableException("store is closed", null)));
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "closing the writer connection failed", e);
        }
    }

    public Stats stats() {
        return new Stats(commits, writes);
    }

    /** False once a commit has failed; the node then answers 503 until restarted. */
    public boolean healthy() {
        return failure == null && open;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        queue.offer(STOP);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
