package io.countersign.store.jdbc;

import io.countersign.store.NodeStatusStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link NodeStatusStore}: one row per node, replaced by each report. */
final class JdbcNodeStatusStore implements NodeStatusStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;

    JdbcNodeStatusStore(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    @Override
    public void report(NodeStatus status) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO nodes "
                        + "(node, leads, policy_version, identities_version, inventory_version, seen_at) VALUES (?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (node) DO UPDATE SET leads = excluded.leads, policy_version = excluded.policy_version, "
                        + "identities_version = excluded.identities_version, inventory_version = excluded.inventory_version, "
                        + "seen_at = excluded.seen_at")) {
                    upsert.setString(1, status.node());
                    upsert.setBoolean(2, status.leads());
                    upsert.setString(3, status.policyVersion());
                    upsert.setString(4, status.identitiesVersion());
                    upsert.setString(5, status.inventoryVersion());
                    upsert.setLong(6, status.seenAt().toEpochMilli());
                    upsert.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording this node's status failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<NodeStatus> nodes() {
        return ReadTransaction.run(readers, connection -> {
            List<NodeStatus> nodes = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT node, leads, policy_version, identities_version, "
                    + "inventory_version, seen_at FROM nodes ORDER BY node");
                 ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    nodes.add(new NodeStatus(rows.getString(1), rows.getBoolean(2), rows.getString(3), rows.getString(4), rows.getString(5),
                            Instant.ofEpochMilli(rows.getLong(6))));
                }
            }
            return nodes;
        });
    }
}
