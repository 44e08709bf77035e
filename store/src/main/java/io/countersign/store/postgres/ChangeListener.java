package io.countersign.store.postgres;

import io.countersign.model.ActionId;
import java.lang.System.Logger.Level;
import java.sql.Statement;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Hears, on a session of its own, the {@code NOTIFY} each node sends when it changes an action (in the
 * same transaction, so only committed changes are heard), and passes each action id on. What changes
 * while the session is being re-established is found by the waiters' own periodic re-read.
 */
final class ChangeListener implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ChangeListener.class.getName());
    static final String CHANNEL = "countersign_actions";

    private final DedicatedSession session;

    ChangeListener(DataSource source, Consumer<ActionId> changed) {
        this.session = new DedicatedSession("countersign-postgres-listener", source, (connection, open) -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("LISTEN " + CHANNEL);
            }
            PGConnection listening = connection.unwrap(PGConnection.class);
            while (open.getAsBoolean()) {
                // A short wait, so that closing (which must wait for it) takes a tenth of a second at most.
                PGNotification[] heard = listening.getNotifications(100);
                for (PGNotification notification : heard == null ? new PGNotification[0] : heard) {
                    if (ActionId.isWellFormed(notification.getParameter())) {
                        changed.accept(new ActionId(notification.getParameter()));
                    }
                }
            }
        }, e -> LOG.log(Level.WARNING, "listening for changes from other nodes failed; connecting again in 1 s: " + e.getMessage()));
    }

    @Override
    public void close() {
        session.close();
    }
}
