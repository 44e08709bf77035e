package io.countersign.store.jdbc;

import io.countersign.audit.AuditEntry;
import io.countersign.audit.HashReader;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.TreeMath;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionEvent;
import io.countersign.lifecycle.EventType;
import io.countersign.model.ActionId;
import io.countersign.store.AuditLogStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The audit log's tables: each event row carries its leaf index and entry bytes, {@code audit_hashes}
 * the stored tree, {@code audit_checkpoints} the signed history. {@link #append} runs inside the
 * writer's transaction, so an event, its leaf and the tree hashes it completes commit together or not at all.
 */
public final class JdbcAuditLog implements AuditLogStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;

    public JdbcAuditLog(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    /** Appends the events as leaves, on the writer's connection and inside its current transaction. */
    static void append(Connection connection, StatementCache statements, List<ActionEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        long next = size(statements.get(connection, "SELECT MAX(leaf_index) FROM events"));
        PreparedStatement sibling = statements.get(connection, "SELECT hash FROM audit_hashes WHERE idx = ?");
        HashReader reader = indexes -> {
            try {
                return readEach(sibling, indexes);
            } catch (SQLException e) {
                throw new StoreUnavailableException("reading tree hashes failed: " + e.getMessage(), e);
            }
        };
        PreparedStatement insert = statements.get(connection,
                "INSERT INTO events (action_id, type, actor, at, detail, leaf_index, entry) VALUES (?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement hashes = statements.get(connection, "INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)");
        for (ActionEvent event : events) {
            byte[] entry = AuditEntry.encode(event);
            insert.setString(1, event.actionId() == null ? null : event.actionId().value());
            insert.setString(2, event.type().wireName());
            insert.setString(3, event.actor());
            insert.setLong(4, event.at().toEpochMilli());
            insert.setString(5, Json.text(event.detail()));
            insert.setLong(6, next);
            insert.setBytes(7, entry);
            insert.executeUpdate();
            storeHashes(hashes, reader, next, Rfc6962.leafHash(entry));
            next++;
        }
    }

    private static byte[][] readEach(PreparedStatement select, long[] indexes) throws SQLException {
        byte[][] hashes = new byte[indexes.length][];
        for (int i = 0; i < indexes.length; i++) {
            select.setLong(1, indexes[i]);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new StoreUnavailableException("the stored tree is missing hash " + indexes[i], null);
                }
                hashes[i] = rows.getBytes(1);
            }
        }
        return hashes;
    }

    /** Gives leaves to events recorded before the log existed, in the order they happened. */
    static int backfill(Connection connection) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        List<byte[]> entries = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT seq, action_id, type, actor, at, detail FROM events WHERE leaf_index IS NULL ORDER BY seq");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String actionId = rows.getString(2);
                ActionEvent event = new ActionEvent(EventType.fromWire(rows.getString(3)),
                        actionId == null ? null : new ActionId(actionId), rows.getString(4),
                        Instant.ofEpochMilli(rows.getLong(5)),
                        (tools.jackson.databind.node.ObjectNode) Json.parse(rows.getString(6)));
                seqs.add(rows.getLong(1));
                entries.add(AuditEntry.encode(event));
            }
        }
        long next = size(connection);
        HashReader reader = connectionReader(connection);
        try (PreparedStatement update = connection.prepareStatement("UPDATE events SET leaf_index = ?, entry = ? WHERE seq = ?");
             PreparedStatement hashes = connection.prepareStatement("INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)")) {
            for (int i = 0; i < seqs.size(); i++) {
                update.setLong(1, next);
                update.setBytes(2, entries.get(i));
                update.setLong(3, seqs.get(i));
                update.executeUpdate();
                storeHashes(hashes, reader, next, Rfc6962.leafHash(entries.get(i)));
                next++;
            }
        }
        return seqs.size();
    }

    private static void storeHashes(PreparedStatement insert, HashReader reader, long leaf, byte[] leafHash) throws SQLException {
        List<byte[]> stored = TreeMath.storedHashes(leaf, leafHash, reader);
        long index = TreeMath.storedHashIndex(0, leaf);
        for (byte[] hash : stored) {
            insert.setLong(1, index++);
            insert.setBytes(2, hash);
            insert.executeUpdate();
        }
    }

    private static long size(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT MAX(leaf_index) FROM events")) {
            return size(select);
        }
    }

    private static long size(PreparedStatement maxLeaf) throws SQLException {
        try (ResultSet rows = maxLeaf.executeQuery()) {
            rows.next();
            long max = rows.getLong(1);
            return rows.wasNull() ? 0 : max + 1;
        }
    }

    private static HashReader connectionReader(Connection connection) {
        return indexes -> {
            try {
                return readHashes(connection, indexes);
            } catch (SQLException e) {
                throw new StoreUnavailableException("reading tree hashes failed: " + e.getMessage(), e);
            }
        };
    }

    private static byte[][] readHashes(Connection connection, long[] indexes) throws SQLException {
        byte[][] hashes = new byte[indexes.length][];
        if (indexes.length == 0) {
            return hashes;
        }
        StringBuilder sql = new StringBuilder("SELECT idx, hash FROM audit_hashes WHERE idx IN (");
        for (int i = 0; i < indexes.length; i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        Map<Long, byte[]> found = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(sql.append(')').toString())) {
            for (int i = 0; i < indexes.length; i++) {
                select.setLong(i + 1, indexes[i]);
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getLong(1), rows.getBytes(2));
                }
            }
        }
        for (int i = 0; i < indexes.length; i++) {
            hashes[i] = found.get(indexes[i]);
            if (hashes[i] == null) {
                throw new StoreUnavailableException("the stored tree is missing hash " + indexes[i], null);
            }
        }
        return hashes;
    }

    @Override
    public long size() {
        return read(JdbcAuditLog::size);
    }

    @Override
    public HashReader hashes() {
        return indexes -> read(connection -> readHashes(connection, indexes));
    }

    @Override
    public Optional<byte[]> entry(long index) {
        return read(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT entry FROM events WHERE leaf_index = ?")) {
                select.setLong(1, index);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(rows.getBytes(1)) : Optional.<byte[]>empty();
                }
            }
        });
    }

    @Override
    public void entries(long from, long to, EntryVisitor visitor) {
        read(connection -> {
            // Entries and the stored hashes are walked side by side; leaf hashes sit at known stored indexes.
            long firstHash = TreeMath.storedHashIndex(0, from);
            try (PreparedStatement entries = connection.prepareStatement(
                    "SELECT leaf_index, entry FROM events WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index");
                 PreparedStatement hashes = connection.prepareStatement(
                         "SELECT idx, hash FROM audit_hashes WHERE idx >= ? ORDER BY idx")) {
                entries.setLong(1, from);
                entries.setLong(2, to);
                hashes.setLong(1, firstHash);
                try (ResultSet entryRows = entries.executeQuery(); ResultSet hashRows = hashes.executeQuery()) {
                    boolean hashLeft = hashRows.next();
                    while (entryRows.next()) {
                        long index = entryRows.getLong(1);
                        long wanted = TreeMath.storedHashIndex(0, index);
                        while (hashLeft && hashRows.getLong(1) < wanted) {
                            hashLeft = hashRows.next();
                        }
                        byte[] stored = hashLeft && hashRows.getLong(1) == wanted ? hashRows.getBytes(2) : null;
                        visitor.visit(index, entryRows.getBytes(2), stored);
                    }
                }
            }
            return null;
        });
    }

    @Override
    public List<Leaf> leaves(ActionId id) {
        return read(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT leaf_index, type FROM events WHERE action_id = ? ORDER BY seq")) {
                select.setString(1, id.value());
                List<Leaf> leaves = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        leaves.add(new Leaf(rows.getLong(1), EventType.fromWire(rows.getString(2))));
                    }
                }
                return leaves;
            }
        });
    }

    @Override
    public Optional<StoredCheckpoint> latestCheckpoint() {
        List<StoredCheckpoint> latest = selectCheckpoints("SELECT size, root, note, signed_at FROM audit_checkpoints ORDER BY size DESC LIMIT 1");
        return latest.isEmpty() ? Optional.empty() : Optional.of(latest.getFirst());
    }

    @Override
    public List<StoredCheckpoint> checkpoints() {
        return selectCheckpoints("SELECT size, root, note, signed_at FROM audit_checkpoints ORDER BY size");
    }

    @Override
    public void saveCheckpoint(StoredCheckpoint checkpoint) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO audit_checkpoints (size, root, note, signed_at) VALUES (?, ?, ?, ?) ON CONFLICT (size) DO NOTHING")) {
                    insert.setLong(1, checkpoint.size());
                    insert.setBytes(2, checkpoint.root());
                    insert.setString(3, checkpoint.note());
                    insert.setLong(4, checkpoint.signedAt().toEpochMilli());
                    insert.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("saving a checkpoint failed: " + e.getMessage(), e);
        }
    }

    private List<StoredCheckpoint> selectCheckpoints(String sql) {
        return read(connection -> {
            List<StoredCheckpoint> checkpoints = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(sql); ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    checkpoints.add(new StoredCheckpoint(rows.getLong(1), rows.getBytes(2), rows.getString(3),
                            Instant.ofEpochMilli(rows.getLong(4))));
                }
            }
            return checkpoints;
        });
    }

    private <T> T read(GroupCommitWriter.Work<T> work) {
        return ReadTransaction.run(readers, work);
    }
}
