package io.countersign.store.postgres;

import java.lang.System.Logger.Level;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Which node runs the cluster's background work: the one holding a session-level advisory lock on a
 * session of its own. Every node tries to take it every second; the holder checks every second that
 * its session (and so the lock) is still there. When the holder dies, PostgreSQL ends its session and
 * releases the lock, and another node takes it within about a second plus the time PostgreSQL takes to
 * notice the dead connection (at once for a killed process, whose socket closes).
 */
final class ClusterLease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClusterLease.class.getName());
    /** "CSLEADER" as a number: not the append lock, which is per transaction. */
    static final long LOCK = 0x43534C4541444552L;
    private static final Duration EVERY = Duration.ofSeconds(1);

    private final DedicatedSession session;
    private volatile boolean held;

    ClusterLease(DataSource source) {
        this.session = new DedicatedSession("countersign-postgres-lease", source, (connection, open) -> {
            try (Statement statement = connection.createStatement()) {
                while (open.getAsBoolean()) {
                    if (!held) {
                        try (ResultSet taken = statement.executeQuery("SELECT pg_try_advisory_lock(" + LOCK + ")")) {
                            taken.next();
                            held = taken.getBoolean(1);
                        }
                        if (held) {
                            LOG.log(Level.INFO, "this node now runs the cluster's background work");
                        }
                    } else {
                        statement.executeQuery("SELECT 1").close();
                    }
                    Thread.sleep(EVERY);
                }
            } finally {
                held = false;
            }
        }, e -> LOG.log(Level.WARNING, "lost the session for the background-work lock: " + e.getMessage()));
    }

    boolean held() {
        return held;
    }

    @Override
    public void close() {
        session.close();
        held = false;
    }
}
