package io.countersign.store.postgres;

import io.countersign.model.ActionId;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The JDBC store on PostgreSQL, shared by several nodes: each change is announced to every node and heard
 * from every node, and one node at a time leads the background work.
 */
final class PostgresActionStore extends JdbcActionStore {
    private static final System.Logger LOG = System.getLogger(PostgresActionStore.class.getName());
    private final List<Consumer<ActionId>> subscribers = new CopyOnWriteArrayList<>();
    private final ChangeListener listener;
    private final ClusterLease lease;

    PostgresActionStore(GroupCommitWriter writer, DataSource readers, AutoCloseable onClose, DataSource source) {
        super(writer, readers, onClose, "SELECT pg_notify('" + ChangeListener.CHANNEL + "', ?)");
        this.lease = new ClusterLease(source);
        // Every node's changes, this one's included: they wake this node's waiters and log followers.
        this.listener = new ChangeListener(source, id -> {
            for (Consumer<ActionId> subscriber : subscribers) {
                try {
                    subscriber.accept(id);
                } catch (RuntimeException e) {
                    // One subscriber's failure is its own: the others, and the log's followers, still hear of it.
                    LOG.log(Level.ERROR, "a subscriber failed on the change of " + id.value(), e);
                }
            }
            auditLog().appended();
        });
    }

    @Override
    public boolean leads() {
        return lease.held();
    }

    @Override
    public void subscribe(Consumer<ActionId> changed) {
        subscribers.add(changed);
    }

    @Override
    public void close() {
        listener.close();
        lease.close();
        super.close();
    }
}
