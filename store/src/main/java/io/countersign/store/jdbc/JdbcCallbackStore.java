package io.countersign.store.jdbc;

import io.countersign.store.CallbackStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link CallbackStore}: a queue table, one head per destination in id (log) order. */
final class JdbcCallbackStore implements CallbackStore {
    /** How long delivered and given-up callbacks are kept. */
    private static final Duration KEPT = Duration.ofDays(7);

    private final GroupCommitWriter writer;
    private final DataSource readers;

    JdbcCallbackStore(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    @Override
    public void enqueue(List<Queued> callbacks, String cursor, long next, Instant now) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO callback_deliveries "
                        + "(destination, url, log_index, attempts, next_at) VALUES (?, ?, ?, 0, ?)");
                     PreparedStatement forget = connection.prepareStatement("DELETE FROM callback_deliveries WHERE done_at < ?");
                     PreparedStatement advance = connection.prepareStatement(
                             "UPDATE webhook_cursors SET next_leaf = ? WHERE endpoint = ? AND next_leaf < ?")) {
                    for (Queued callback : callbacks) {
                        insert.setString(1, callback.destination());
                        insert.setString(2, callback.url());
                        insert.setLong(3, callback.logIndex());
                        insert.setLong(4, now.toEpochMilli());
                        insert.executeUpdate();
                    }
                    forget.setLong(1, now.minus(KEPT).toEpochMilli());
                    forget.executeUpdate();
                    advance.setLong(1, next);
                    advance.setString(2, cursor);
                    advance.setLong(3, next);
                    advance.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("queueing callbacks failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> dueDestinations(Instant now, int limit) {
        return ReadTransaction.run(readers, connection -> {
            List<String> due = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT d.destination FROM callback_deliveries d "
                    + "WHERE d.done_at IS NULL AND d.next_at <= ? AND d.id = (SELECT MIN(h.id) FROM callback_deliveries h "
                    + "WHERE h.destination = d.destination AND h.done_at IS NULL) ORDER BY d.next_at LIMIT ?")) {
                select.setLong(1, now.toEpochMilli());
                select.setInt(2, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(rows.getString(1));
                    }
                }
            }
            return due;
        });
    }

    @Override
    public List<Pending> heads(String destination, int limit) {
        return ReadTransaction.run(readers, connection -> {
            List<Pending> heads = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT id, url, log_index, attempts, next_at FROM callback_deliveries "
                    + "WHERE destination = ? AND done_at IS NULL ORDER BY id LIMIT ?")) {
                select.setString(1, destination);
                select.setInt(2, limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        heads.add(new Pending(rows.getLong(1), destination, rows.getString(2), rows.getLong(3), rows.getInt(4),
                                Instant.ofEpochMilli(rows.getLong(5))));
                    }
                }
            }
            return heads;
        });
    }

    @Override
    public void attempted(List<Attempt> attempts) {
        if (attempts.isEmpty()) {
            return;
        }
        try {
            writer.execute(connection -> {
                try (PreparedStatement update = connection.prepareStatement("UPDATE callback_deliveries SET attempts = ?, last_status = ?, "
                        + "last_error = ?, next_at = ?, done_at = ?, delivered = ? WHERE id = ?")) {
                    for (Attempt attempt : attempts) {
                        update.setInt(1, attempt.attempts());
                        if (attempt.status() == null) {
                            update.setNull(2, java.sql.Types.INTEGER);
                        } else {
                            update.setInt(2, attempt.status());
                        }
                        update.setString(3, attempt.error());
                        update.setLong(4, attempt.nextAt().toEpochMilli());
                        if (attempt.done()) {
                            update.setLong(5, attempt.at().toEpochMilli());
                            update.setBoolean(6, attempt.delivered());
                        } else {
                            update.setNull(5, java.sql.Types.BIGINT);
                            update.setNull(6, java.sql.Types.BOOLEAN);
                        }
                        update.setLong(7, attempt.id());
                        update.addBatch();
                    }
                    update.executeBatch();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording callback attempts failed: " + e.getMessage(), e);
        }
    }
}
