package io.countersign.store.jdbc;

import io.countersign.store.StoreUnavailableException;
import io.countersign.store.WebhookStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link WebhookStore} over the writer (cursor and delivery change together) and the reader pool. */
final class JdbcWebhookStore implements WebhookStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;

    JdbcWebhookStore(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    @Override
    public long cursor(String endpoint, long initial) {
        return write(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO webhook_cursors (endpoint, next_leaf) VALUES (?, ?) ON CONFLICT (endpoint) DO NOTHING")) {
                insert.setString(1, endpoint);
                insert.setLong(2, initial);
                insert.executeUpdate();
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT next_leaf FROM webhook_cursors WHERE endpoint = ?")) {
                select.setString(1, endpoint);
                try (ResultSet rows = select.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    @Override
    public boolean disabled(String endpoint) {
        return ReadTransaction.run(readers, connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT disabled_at FROM webhook_cursors WHERE endpoint = ?")) {
                select.setString(1, endpoint);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() && rows.getObject(1) != null;
                }
            }
        });
    }

    @Override
    public void attempted(Delivery delivery, Instant at) {
        write(connection -> {
            try (PreparedStatement upsert = connection.prepareStatement("""
                    INSERT INTO webhook_deliveries (endpoint, leaf_index, webhook_id, attempts, last_status, last_error,
                                                    delivered_at, gave_up_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (endpoint, leaf_index) DO UPDATE SET attempts = excluded.attempts, last_status = excluded.last_status,
                        last_error = excluded.last_error, delivered_at = excluded.delivered_at, gave_up_at = excluded.gave_up_at,
                        updated_at = excluded.updated_at""")) {
                upsert.setString(1, delivery.endpoint());
                upsert.setLong(2, delivery.leafIndex());
                upsert.setString(3, delivery.webhookId());
                upsert.setInt(4, delivery.attempts());
                if (delivery.lastStatus() == null) {
                    upsert.setNull(5, Types.INTEGER);
                } else {
                    upsert.setInt(5, delivery.lastStatus());
                }
                upsert.setString(6, delivery.lastError());
                JdbcActionStore.setInstant(upsert, 7, delivery.deliveredAt());
                JdbcActionStore.setInstant(upsert, 8, delivery.gaveUpAt());
                upsert.setLong(9, at.toEpochMilli());
                upsert.executeUpdate();
            }
            if (delivery.deliveredAt() != null || delivery.gaveUpAt() != null) {
                try (PreparedStatement advance = connection.prepareStatement(
                        "UPDATE webhook_cursors SET next_leaf = ? WHERE endpoint = ? AND next_leaf <= ?")) {
                    advance.setLong(1, delivery.leafIndex() + 1);
                    advance.setString(2, delivery.endpoint());
                    advance.setLong(3, delivery.leafIndex());
                    advance.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public void advance(String endpoint, long next) {
        write(connection -> {
            try (PreparedStatement advance = connection.prepareStatement(
                    "UPDATE webhook_cursors SET next_leaf = ? WHERE endpoint = ? AND next_leaf < ?")) {
                advance.setLong(1, next);
                advance.setString(2, endpoint);
                advance.setLong(3, next);
                advance.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void disable(String endpoint, String reason, Instant at) {
        write(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE webhook_cursors SET disabled_at = ?, disabled_reason = ? WHERE endpoint = ?")) {
                update.setLong(1, at.toEpochMilli());
                update.setString(2, reason);
                update.setString(3, endpoint);
                update.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Delivery> deliveries(String endpoint, int limit) {
        return ReadTransaction.run(readers, connection -> {
            List<Delivery> deliveries = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT leaf_index, webhook_id, attempts, last_status, last_error,"
                    + " delivered_at, gave_up_at FROM webhook_deliveries WHERE endpoint = ? ORDER BY leaf_index DESC LIMIT " + Math.max(1, limit))) {
                select.setString(1, endpoint);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        int status = rows.getInt(4);
                        Integer lastStatus = rows.wasNull() ? null : status;
                        deliveries.add(new Delivery(endpoint, rows.getLong(1), rows.getString(2), rows.getInt(3), lastStatus,
                                rows.getString(5), instant(rows, 6), instant(rows, 7)));
                    }
                }
            }
            return deliveries;
        });
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        long value = rows.getLong(column);
        return rows.wasNull() ? null : Instant.ofEpochMilli(value);
    }

    private <T> T write(GroupCommitWriter.Work<T> work) {
        try {
            return writer.execute(work);
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording a webhook delivery failed: " + e.getMessage(), e);
        }
    }
}
