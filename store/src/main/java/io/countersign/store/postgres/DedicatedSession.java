package io.countersign.store.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * A thread with a PostgreSQL session of its own (for LISTEN, or a session-level lock), running a body
 * on it for as long as it is open; when the connection is lost, it connects again a second later.
 */
final class DedicatedSession implements AutoCloseable {
    /** Works on the session until {@code open} turns false; a lost connection ends it with the exception. */
    interface Body {
        void run(Connection connection, BooleanSupplier open) throws SQLException, InterruptedException;
    }

    private final DataSource source;
    private final Body body;
    private final Consumer<SQLException> lost;
    private final Thread thread;
    private volatile boolean open = true;

    /** @param lost told each time the connection is lost while the session is open */
    DedicatedSession(String name, DataSource source, Body body, Consumer<SQLException> lost) {
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
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
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
