package io.countersign.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A schema of its own for one test in the real PostgreSQL on this machine (127.0.0.1:5432, database
 * {@code test}, trust auth; {@code .ci/run} starts it), dropped with everything in it afterwards. The
 * driver comes with the module that uses it (store, server).
 */
public final class PostgresSchema implements AutoCloseable {
    public static final String SERVER = System.getenv().getOrDefault("COUNTERSIGN_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String USER = System.getenv().getOrDefault("COUNTERSIGN_TEST_POSTGRES_USER", "postgres");

    public final String name = "cs_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);

    public PostgresSchema() throws SQLException {
        try (Connection connection = connect()) {
            connection.createStatement().execute("CREATE SCHEMA " + name);
        }
    }

    /** The URL a store is opened with: this schema only. */
    public String url() {
        return SERVER + (SERVER.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    /** Points the example configuration in {@code config} at this schema instead of its SQLite file. */
    public void useIn(Path config) throws IOException {
        Path settings = config.resolve("countersign.yaml");
        Files.writeString(settings, Files.readString(settings).replace("  sqlite: data/countersign.db", "  url: " + url() + "\n  user: " + USER));
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(SERVER, USER, null);
    }

    @Override
    public void close() throws SQLException {
        try (Connection connection = connect()) {
            connection.createStatement().execute("DROP SCHEMA " + name + " CASCADE");
        }
    }
}
