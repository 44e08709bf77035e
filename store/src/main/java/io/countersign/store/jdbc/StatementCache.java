package io.countersign.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared statements compiled once and kept with the physical connection they were compiled on: every
 * write runs the same few statements, and compiling them again each time cost more than running them;
 * a pooled reader's statements would otherwise be closed by the pool each time the connection goes back
 * (compiling the SELECT was a third of reading one action on SQLite). A physical connection is held by
 * one thread at a time (the writer's holder, or whoever borrowed it from the pool), so its own statements
 * need no lock. Callers close result sets (which resets the statement and ends its hold on the snapshot),
 * never the statements.
 */
final class StatementCache {
    /** Reads with filters built from a query make a few dozen distinct statements at most; more are dropped oldest first. */
    private static final int PER_CONNECTION = 32;

    private final Map<Connection, Map<String, PreparedStatement>> byConnection = new ConcurrentHashMap<>();

    PreparedStatement get(Connection connection, String sql) throws SQLException {
        Connection physical = connection.unwrap(Connection.class);
        Map<String, PreparedStatement> statements = byConnection.get(physical);
        PreparedStatement statement = statements == null ? null : statements.get(sql);
        if (statement != null) {
            return statement;
        }
        // A miss is rare once warm: the moment to forget connections the pool has closed since.
        byConnection.keySet().removeIf(StatementCache::isClosed);
        statements = byConnection.computeIfAbsent(physical, c -> new LeastRecentlyUsed());
        statement = physical.prepareStatement(sql);
        statements.put(sql, statement);
        return statement;
    }

    private static boolean isClosed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static final class LeastRecentlyUsed extends LinkedHashMap<String, PreparedStatement> {
        LeastRecentlyUsed() {
            super(16, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= PER_CONNECTION) {
                return false;
            }
            try {
                eldest.getValue().close();
            } catch (SQLException e) {
                // closing a statement no one uses any more: nothing to do about a failure
            }
            return true;
        }
    }
}
