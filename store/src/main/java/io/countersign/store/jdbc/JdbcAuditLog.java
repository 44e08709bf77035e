package io.countersign.store.jdbc;

import io.countersign.audit.AuditEntry;
import io.countersign.audit.HashReader;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.TreeMath;
import io.countersign.json.Json;
import io.countersign.events.ActionEvent;
import io.countersign.events.EventCodec;
import io.countersign.events.EventType;
import io.countersign.model.ActionId;
import io.countersign.audit.AuditLogStore;
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
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * The audit log's tables: each event row carries its leaf index and entry bytes, {@code audit_hashes}
 * the stored tree, {@code audit_checkpoints} the signed history. {@link #append} runs inside the
 * writer's transaction, so an event, its leaf and the tree hashes it completes commit together or not at all.
 */
public final class JdbcAuditLog implements AuditLogStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;
    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();

    public JdbcAuditLog(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    private static final String MAX_LEAF = "SELECT MAX(leaf_index) FROM events";
    private static final String SIBLING = "SELECT hash FROM audit_hashes WHERE idx = ?";
    private static final String INSERT_HASH = "INSERT INTO audit_hashes (idx, hash) VALUES (?, ?)";

    /**
     * An event ready to become a leaf: its entry encoded and hashed by the calling thread before it takes
     * its turn on the writer's connection, which then only runs SQL.
     */
    record NewLeaf(ActionEvent event, String detail, byte[] entry, byte[] hash) {
        static List<NewLeaf> of(List<ActionEvent> events) {
            List<NewLeaf> leaves = new ArrayList<>(events.size());
            for (ActionEvent event : events) {
                byte[] entry = AuditEntry.encode(event);
                leaves.add(new NewLeaf(event, Json.text(EventCodec.detail(event.event())), entry, Rfc6962.leafHash(entry)));
            }
            return leaves;
        }
    }

    /** Appends the leaves, on the writer's connection and inside its current transaction. */
    static void append(Connection connection, StatementCache statements, List<NewLeaf> leaves) throws SQLException {
        if (leaves.isEmpty()) {
            return;
        }
        long next = size(statements.get(connection, MAX_LEAF));
        HashReader reader = siblingReader(statements.get(connection, SIBLING));
        PreparedStatement insert = statements.get(connection,
                "INSERT INTO events (action_id, type, actor, at, detail, leaf_index, entry) VALUES (?, ?, ?, ?, ?, ?, ?)");
        PreparedStatement hashes = statements.get(connection, INSERT_HASH);
        for (NewLeaf leaf : leaves) {
            ActionEvent event = leaf.event();
            insert.setString(1, event.actionId() == null ? null : event.actionId().value());
            insert.setString(2, event.type().wireName());
            insert.setString(3, event.actor());
            insert.setLong(4, event.at().toEpochMilli());
            insert.setString(5, leaf.detail());
            insert.setLong(6, next);
            insert.setBytes(7, leaf.entry());
            insert.executeUpdate();
            storeHashes(hashes, reader, next, leaf.hash());
            next++;
        }
    }

    /** Reads the few sibling hashes an append needs, one point lookup each, on the writer's own connection. */
    private static HashReader siblingReader(PreparedStatement select) {
        return indexes -> {
            byte[][] hashes = new byte[indexes.length][];
            try {
                for (int i = 0; i < indexes.length; i++) {
                    select.setLong(1, indexes[i]);
                    try (ResultSet rows = select.executeQuery()) {
                        if (!rows.next()) {
                            throw new StoreUnavailableException("the stored tree is missing hash " + indexes[i], null);
                        }
                        hashes[i] = rows.getBytes(1);
                    }
                }
            } catch (SQLException e) {
                throw new StoreUnavailableException("reading tree hashes failed: " + e.getMessage(), e);
            }
            return hashes;
        };
    }

    /** Gives leaves to events recorded before the log existed, in the order they happened. */
    static int backfill(Connection connection) throws SQLException {
        List<Long> seqs = new ArrayList<>();
        List<ActionEvent> events = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT seq, action_id, type, actor, at, detail FROM events WHERE leaf_index IS NULL ORDER BY seq");
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String actionId = rows.getString(2);
                seqs.add(rows.getLong(1));
                events.add(new ActionEvent(actionId == null ? null : new ActionId(actionId), rows.getString(4),
                        Instant.ofEpochMilli(rows.getLong(5)), EventCodec.read(EventType.fromWire(rows.getString(3)), Json.parse(rows.getString(6)))));
            }
        }
        if (seqs.isEmpty()) {
            return 0;
        }
        List<NewLeaf> leaves = NewLeaf.of(events);
        try (PreparedStatement maxLeaf = connection.prepareStatement(MAX_LEAF);
             PreparedStatement sibling = connection.prepareStatement(SIBLING);
             PreparedStatement update = connection.prepareStatement("UPDATE events SET leaf_index = ?, entry = ? WHERE seq = ?");
             PreparedStatement hashes = connection.prepareStatement(INSERT_HASH)) {
            long next = size(maxLeaf);
            HashReader reader = siblingReader(sibling);
            for (int i = 0; i < seqs.size(); i++) {
                update.setLong(1, next);
                update.setBytes(2, leaves.get(i).entry());
                update.setLong(3, seqs.get(i));
                update.executeUpdate();
                storeHashes(hashes, reader, next, leaves.get(i).hash());
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

    private static long size(PreparedStatement maxLeaf) throws SQLException {
        try (ResultSet rows = maxLeaf.executeQuery()) {
            rows.next();
            long max = rows.getLong(1);
            return rows.wasNull() ? 0 : max + 1;
        }
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
    public Runnable onAppend(Runnable listener) {
        appendListeners.add(listener);
        return () -> appendListeners.remove(listener);
    }

    /**
     * Tells the followers that entries were just committed: called after a commit, off the writer thread,
     * and by a cluster's change listener when another node committed.
     */
    public void appended() {
        appendListeners.forEach(Runnable::run);
    }

    @Override
    public long size() {
        return read(connection -> {
            try (PreparedStatement maxLeaf = connection.prepareStatement(MAX_LEAF)) {
                return size(maxLeaf);
            }
        });
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
                         "SELECT idx, hash FROM audit_hashes WHERE idx >= ? AND idx <= ? ORDER BY idx")) {
                entries.setLong(1, from);
                entries.setLong(2, to);
                hashes.setLong(1, firstHash);
                hashes.setLong(2, to > from ? TreeMath.storedHashIndex(0, to - 1) : firstHash);
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
