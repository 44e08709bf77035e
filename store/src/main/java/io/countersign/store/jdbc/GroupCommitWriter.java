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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs every write on one connection, many writes to a transaction: callers wait until the transaction
 * holding their write has committed (and so been fsynced), and share that fsync with everyone who queued
 * alongside them. One failing write does not undo its neighbours: each write after a transaction's first
 * runs under its own savepoint, and a first write that fails is undone with the whole (so far empty)
 * transaction before the next write begins.
 *
 * <p>Writes that queue are committed by the writer's own thread. On an embedded database a write that is
 * the only one under way is committed on its caller's thread instead: a lone client's request is then
 * not handed to the writer and back, two thread wake-ups (side by side on a 2-core VM, one sequential
 * client: 0.1 to 0.2 ms off the median, 0.3 to 0.7 ms off the p99). With others under way it queues, so
 * they still share commits, and no more than one caller's thread ever waits in the database's fsync. On a
 * database server only the writer's thread uses the connection: it is a socket, which an interrupted
 * virtual thread would close under the whole batch.
 *
 * <p>When a commit fails, nothing of its batch is durable and every caller is told so. What comes next
 * depends on the database. On SQLite a failed commit may mean the disk dropped writes it reported done
 * (fsyncgate), so the writer refuses every later write until restarted. On a database server, a lost
 * connection only means the server went away: the writer opens a new connection, as soon as the server
 * answers again, while every write in between fails at once.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
    private static final int MAX_BATCH = 512;

    /** How long a writer that lost its server waits between attempts to reach it. */
    private static final long RECONNECT_PAUSE_NANOS = 250_000_000L;

    /** Opens the writer's connection; again, after the server was lost. */
    @FunctionalInterface
    public interface ConnectionSource {
        Connection open() throws SQLException;
    }

    /** One unit of work inside the shared transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> done) {
        /** Runs the write under a savepoint, so that its failure undoes only itself, not the writes before it. */
        void runBesideOthers(Connection connection, List<Runnable> completions) {
            Savepoint savepoint = null;
            try {
                savepoint = connection.setSavepoint();
                T result = work.run(connection);
                connection.releaseSavepoint(savepoint);
                completions.add(() -> done.complete(result));
            } catch (SQLException | RuntimeException | Error e) {
                // Even an Error leaves nothing of this write in the shared transaction.
                rollback(connection, savepoint);
                completions.add(() -> done.completeExceptionally(e));
            }
        }

        /**
         * Runs the write as the first of its transaction, with no savepoint: if it fails, the caller rolls
         * the whole transaction back, which holds nothing else.
         *
         * @return whether it succeeded
         */
        boolean runFirst(Connection connection, List<Runnable> completions) {
            try {
                T result = work.run(connection);
                completions.add(() -> done.complete(result));
                return true;
            } catch (SQLException | RuntimeException | Error e) {
                completions.add(() -> done.completeExceptionally(e));
                return false;
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

    /** Whoever holds it owns the connection: the writer's thread for a batch, or one caller for its lone write. */
    private final ReentrantLock turn = new ReentrantLock();
    /** Callers in {@link #execute} now: only one that is alone commits on its own thread. */
    private final AtomicInteger callers = new AtomicInteger();

    /** Used only under {@link #turn} (and by close, once the thread has stopped). */
    private Connection connection;
    private PreparedStatement transactionStart;
    private final String transactionStartSql;
    /** Null when a failed commit is final (SQLite). */
    private final ConnectionSource reconnect;
    private volatile long nextReconnectAt;
    private final BlockingQueue<Task<?>> queue = new ArrayBlockingQueue<>(16_384);
    private final Thread thread;
    private volatile boolean open = true;
    /**
     * Set after a commit failed. Without {@code reconnect}: for good, since the disk may have dropped writes
     * it reported done. With it: until the writer is connected again.
     */
    private volatile StoreUnavailableException failure;
    private volatile long commits;
    private volatile long writes;

    /** How many transactions committed and how many writes they carried (for benchmarks and tuning). */
    public record Stats(long commits, long writes) {
        public double averageBatch() {
            return commits == 0 ? 0 : (double) writes / commits;
        }
    }

    /** A writer on an embedded database (SQLite), where a lone write is committed on its caller's thread. */
    public GroupCommitWriter(Connection connection, String name) throws SQLException {
        this(connection, name, null);
    }

    /**
     * A writer on an embedded database, as {@link #GroupCommitWriter(Connection, String)}.
     *
     * @param transactionStart a statement each transaction begins with, before any write; on PostgreSQL,
     *                         the lock that puts the transactions of every node in one order (null: none)
     */
    public GroupCommitWriter(Connection connection, String name, String transactionStart) throws SQLException {
        this(connection, null, name, transactionStart);
    }

    private GroupCommitWriter(Connection connection, ConnectionSource reconnect, String name, String transactionStart) throws SQLException {
        this.transactionStartSql = transactionStart;
        this.reconnect = reconnect;
        use(connection);
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::loop);
    }

    /**
     * A writer on a database server: after a lost connection it connects again by itself.
     *
     * @param transactionStart as for {@link #GroupCommitWriter(Connection, String, String)}
     */
    public static GroupCommitWriter reconnecting(ConnectionSource source, String name, String transactionStart) throws SQLException {
        return new GroupCommitWriter(source.open(), source, name, transactionStart);
    }

    private void use(Connection fresh) throws SQLException {
        fresh.setAutoCommit(false);
        this.transactionStart = transactionStartSql == null ? null : fresh.prepareStatement(transactionStartSql);
        this.connection = fresh;
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
        StoreUnavailableException failed = failure;
        if (failed != null && (reconnect == null || System.nanoTime() < nextReconnectAt)) {
            // Fail fast: a caller learns at once that nothing can be stored now (503), instead of queueing.
            throw failed;
        }
        Task<T> task = new Task<>(work, new CompletableFuture<>());
        boolean alone = callers.incrementAndGet() == 1;
        try {
            if (!(alone && callersMayCommit() && commitAlone(task))) {
                try {
                    queue.put(task);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while queueing a write", e);
                }
            }
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
        } finally {
            callers.decrementAndGet();
        }
    }

    private void loop() {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        List<Runnable> completions = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                if (failure != null && reconnect != null) {
                    // Reconnect even when no write comes: the node's health (and the load balancer) depends on it.
                    Task<?> first = queue.poll(RECONNECT_PAUSE_NANOS, TimeUnit.NANOSECONDS);
                    reconnectIfDue();
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                } else {
                    batch.add(queue.take());
                }
            } catch (InterruptedException e) {
                continue;
            }
            turn.lock();
            try {
                queue.drainTo(batch, MAX_BATCH - 1);
                boolean stop = batch.remove(STOP);
                if (failure != null) {
                    batch.forEach(task -> task.done().completeExceptionally(failure));
                } else if (!batch.isEmpty()) {
                    commit(batch, completions);
                }
                batch.clear();
                completions.clear();
                if (stop) {
                    drainClosed();
                    return;
                }
            } finally {
                turn.unlock();
            }
        }
    }

    /** Only on an embedded database (no server to reconnect to), whose calls an interrupt cannot break. */
    private boolean callersMayCommit() {
        return reconnect == null;
    }

    /**
     * Commits {@code task} alone on the caller's thread, if the connection is free and nobody queued.
     *
     * @return false when the write must queue for the writer's thread instead
     */
    private boolean commitAlone(Task<?> task) {
        if (!turn.tryLock()) {
            return false;
        }
        try {
            if (!open) {
                throw new StoreUnavailableException("store is closed", null);
            }
            if (failure != null || !queue.isEmpty()) {
                return false;
            }
            commit(List.of(task), new ArrayList<>(1));
            return true;
        } finally {
            turn.unlock();
        }
    }

    /**
     * One transaction of {@code batch}; every caller learns how it ended. Each write after the first runs under
     * a savepoint. The first needs none: a lone write (nearly every write of a node that serves one agent)
     * then costs no savepoint statements, and SQLite keeps no copy of the pages it changes to roll back to.
     */
    private void commit(List<Task<?>> batch, List<Runnable> completions) {
        try {
            start();
            boolean holdsWrites = false;
            for (Task<?> task : batch) {
                if (holdsWrites) {
                    task.runBesideOthers(connection, completions);
                } else if (task.runFirst(connection, completions)) {
                    holdsWrites = true;
                } else {
                    // It failed alone in the transaction: rolling all of it back undoes just this write.
                    connection.rollback();
                    start();
                }
            }
            connection.commit();
            commits++;
            writes += batch.size();
            completions.forEach(Runnable::run);
        } catch (SQLException | RuntimeException | Error e) {
            // Nothing in this batch is durable: every caller is told so and fails closed. Whatever the driver
            // throws, even unchecked, ends here: escaping, it would leave callers waiting for ever and, on the
            // writer's thread, end that thread.
            LOG.log(Level.ERROR, "commit of " + batch.size() + " writes failed", e);
            try {
                connection.rollback();
            } catch (SQLException | RuntimeException rollback) {
                e.addSuppressed(rollback);
            }
            if (reconnect == null) {
                // As with fsync errors, a retry could "succeed" without the data: refuse every later write until restart.
                failure = new StoreUnavailableException("the store could not commit and refuses writes until restarted", e);
            } else {
                failure = new StoreUnavailableException("the database could not commit (" + e.getMessage()
                        + "); writes are refused until it answers again", e);
                dropConnection();
            }
            batch.forEach(task -> task.done().completeExceptionally(failure));
        }
    }

    /** One attempt to reach the server again, at most every {@link #RECONNECT_PAUSE_NANOS}. */
    private void reconnectIfDue() {
        if (failure == null || System.nanoTime() < nextReconnectAt) {
            return;
        }
        nextReconnectAt = System.nanoTime() + RECONNECT_PAUSE_NANOS;
        try {
            use(reconnect.open());
            failure = null;
            LOG.log(Level.INFO, "the writer is connected to the database again");
        } catch (SQLException | RuntimeException e) {
            failure = new StoreUnavailableException("cannot reach the database: " + e.getMessage(), e);
        }
    }

    private void dropConnection() {
        nextReconnectAt = System.nanoTime() + RECONNECT_PAUSE_NANOS;
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.DEBUG, "closing the lost connection failed", e);
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

    /**
     * False once a commit has failed; the node then answers 503, until restarted (SQLite) or until the
     * writer is connected to its server again.
     */
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
