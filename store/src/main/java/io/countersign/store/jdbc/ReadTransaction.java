package io.countersign.store.jdbc;

import io.countersign.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Runs a read on a pooled connection inside one transaction, so everything it reads is one snapshot. */
final class ReadTransaction {
    private ReadTransaction() {
    }

    static <T> T run(DataSource readers, GroupCommitWriter.Work<T> work) {
        try (Connection connection = readers.getConnection()) {
            connection.setAutoCommit(false);
            try {
                return work.run(connection);
            } finally {
                // Ends the snapshot in one step: commit() would begin the next transaction at once, and the
                // pool would end that one again on the way back.
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("a read failed: " + e.getMessage(), e);
        }
    }
}
