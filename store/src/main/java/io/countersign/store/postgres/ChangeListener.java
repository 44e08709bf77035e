package io.countersign.store.postgres;

import io.countersign.model.ActionId;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears, on a connection of its own, the {@code NOTIFY} each node sends when it changes an action (in
 * the same transaction, so only committed changes are heard), and passes each action id on. When the
 * connection is lost it connects again; what changed meanwhile is found by the waiters' own periodic
 * re-read.
 */
final class ChangeListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChangeListener.class.getName());
    static final String CHANNEL = "countersign_actions";

    private final DataSource source;
    private final Consumer<ActionId> changed;
    private final Thread thread;
    private volatile boolean open = true;

    ChangeListener(DataSource source, Consumer<ActionId> changed) {
        this.source = source;
        this.changed = changed;
        this.thread = Thread.ofPlatform().name("countersign-postgres-listener").daemon(true).start(this::run);
    }

    private void run() {
        while (open) {
            try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
                PGConnection listening = connection.unwrap(PGConnection.class);
                while (open) {
                    PGNotification[] heard = listening.getNotifications(500);
                    if (heard != null) {
                        for (PGNotification notification : heard) {
                            if (ActionId.isWellFormed(notification.getParameter())) {
                                changed.accept(new ActionId(notification.getParameter()));
                            }
                        }
                    }
                }
            } catch (SQLException e) {
                if (open) {
                    LOG.log(Level.WARNING, "listening for changes from other nodes failed; connecting again in 1 s: " + e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
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
