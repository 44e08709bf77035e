package io.countersign.store.postgres;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Which node runs the cluster's background work: the one holding a session-level advisory lock on a
 * connection of its own. Every node tries to take it every second; the holder checks every second that
 * its connection (and so the lock) is still there. When the holder dies, PostgreSQL ends its session
 * and releases the lock, and another node takes it within about a second plus the time PostgreSQL takes
 * to notice the dead connection (at once for a killed process, whose socket closes).
 */
final class ClusterLease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterLease.class.getName());
    /** "CSLEADER" as a number: not the append lock, which is per transaction. */
    static final long LOCK = 0x43534C4541444552L;
    private static final Duration EVERY = Duration.ofSeconds(1);

    private final DataSource source;
    private final Thread thread;
    private volatile boolean open = true;
    private volatile boolean held;

    ClusterLease(DataSource source) {
        this.source = source;
        this.thread = Thread.ofPlatform().name("countersign-postgres-lease").daemon(true).start(this::run);
    }

    boolean held() {
        return held;
    }

    private void run() {
        while (open) {
            try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
                connection.setAutoCommit(true);
                while (open) {
                    if (!held) {
                        try (ResultSet taken = statement.executeQuery("SELECT pg_try_advisory_lock(" + LOCK + ")")) {
                            taken.next();
                            if (taken.getBoolean(1)) {
                                held = true;
                                LOG.log(Level.INFO, "this node now runs the cluster's background work");
                            }
                        }
                    } else {
                        statement.executeQuery("SELECT 1").close();
                    }
                    Thread.sleep(EVERY);
                }
            } catch (SQLException e) {
                if (held) {
                    LOG.log(Level.WARNING, "lost the connection that holds the background-work lock: " + e.getMessage());
                }
                held = false;
                pause();
            } catch (InterruptedException e) {
                held = false;
                return;
            }
        }
        held = false;
    }

    private void pause() {
        try {
            Thread.sleep(EVERY);
        } catch (InterruptedException e) {
            open = false;
        }
    }

    @Override
    public void close() {
        open = false;
        held = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
