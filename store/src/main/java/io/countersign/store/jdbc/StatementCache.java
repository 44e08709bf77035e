package io.countersign.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Prepared statements of the writer connection, compiled once: every write runs the same few
 * statements, and compiling them again for each one cost more than running them. Used only by whoever
 * holds the writer's connection (one thread at a time, see {@link GroupCommitWriter}); callers close
 * result sets, never the statements.
 */
final class StatementCache {
    private Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    PreparedStatement get(Connection current, String sql) throws SQLException {
        if (current != connection) {
            statements.clear();
            connection = current;
        }
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            statement = current.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }
}
