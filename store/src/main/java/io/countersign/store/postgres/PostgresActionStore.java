package io.countersign.store.postgres;

import io.countersign.model.ActionId;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The JDBC store on PostgreSQL, shared by several nodes: each change is announced to every node and heard
 * from every node, and one node at a time leads the background work.
 */
final class PostgresActionStore extends JdbcActionStore {
    private final DataSource source;
    private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final ClusterLease lease;

    PostgresActionStore(GroupCommitWriter writer, DataSource readers, AutoCloseable onClose, DataSource source) {
        super(writer, readers, onClose, "SELECT pg_notify('" + ChangeListener.CHANNEL + "', ?)");
        this.source = source;
        this.lease = new ClusterLease(source);
    }

    @Override
    public boolean leads() {
        return lease.held();
    }

    @Override
    public void subscribe(Consumer<ActionId> changed) {
        listeners.add(new ChangeListener(source, changed));
    }

    @Override
    public void close() {
        listeners.forEach(ChangeListener::close);
        lease.close();
        super.close();
    }
}
