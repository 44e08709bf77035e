package io.countersign.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatementCacheTest {
    @TempDir
    Path dir;

    @Test
    void aStatementOutlivesThePoolsProxyAndAReplacedConnectionGetsItsOwn() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("t.db");
        try (Connection setup = DriverManager.getConnection(url)) {
            setup.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
            setup.createStatement().execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(1);
        StatementCache statements = new StatementCache();
        try (HikariDataSource pool = new HikariDataSource(config)) {
            PreparedStatement first;
            try (Connection connection = pool.getConnection()) {
                first = statements.get(connection, "SELECT v FROM t WHERE k = ?");
                assertThat(read(first, 1)).isEqualTo("one");
            }
            try (Connection connection = pool.getConnection()) {
                PreparedStatement again = statements.get(connection, "SELECT v FROM t WHERE k = ?");
                assertThat(again).as("kept, though the pool closes the statements made through its proxy").isSameAs(first);
                assertThat(read(again, 2)).isEqualTo("two");
            }
            pool.getHikariPoolMXBean().softEvictConnections();   // the pool retires its connection
            try (Connection connection = pool.getConnection()) {
                PreparedStatement fresh = statements.get(connection, "SELECT v FROM t WHERE k = ?");
                assertThat(fresh).as("compiled on the new connection").isNotSameAs(first);
                assertThat(read(fresh, 1)).isEqualTo("one");
            }
        }
    }

    private static String read(PreparedStatement select, int key) throws SQLException {
        select.setInt(1, key);
        try (ResultSet rows = select.executeQuery()) {
            return rows.next() ? rows.getString(1) : null;
        }
    }
}
