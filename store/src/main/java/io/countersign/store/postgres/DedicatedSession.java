package io.countersign.store.postgres;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * A thread with a PostgreSQL session of its own (for LISTEN, or a session-level lock), running a body
 * on it for as long as it is open; when the connection is lost, or the body fails in any other way, it
 * connects again a second later.
 */
final class DedicatedSession implements AutoCloseable {
    /** Works on the session until {@code open} turns false; a lost connection ends it with the exception. */
    interface Body {
        void run(Connection connection, BooleanSupplier open) throws SQLException, InterruptedException;
    }

    private static final System.Logger LOG = System.getLogger(DedicatedSession.class.getName());

    private final String name;
    private final DataSource source;
    private final Body body;
    private final Consumer<SQLException> lost;
    private final Thread thread;
    private volatile boolean open = true;

    /** @param lost told each time the connection is lost while the session is open */
    DedicatedSession(String name, DataSource source, Body body, Consumer<SQLException> lost) {
        this.name = name;
        this.source = source;
        this.body = body;
        this.lost = lost;
        this.thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    private void run() {
        while (open) {
            try (Connection connection = source.getConnection()) {
                connection.setAutoCommit(true);
                body.run(connection, () -> open);
            } catch (SQLException e) {
                if (open) {
                    lost.accept(e);
                }
            } catch (RuntimeException e) {
                // Started over too: a thread that ended here would leave the node deaf to other nodes' changes,
                // or never leading, until restarted.
                if (open) {
                    LOG.log(Level.ERROR, name + " failed; opening its session again in 1 s", e);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (open && !pause()) {
                return;
            }
        }
    }

    /** @return false when interrupted (closing) */
    private static boolean pause() {
        try {
            Thread.sleep(1000);
            return true;
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    @Override
    public void close() {
        open = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
