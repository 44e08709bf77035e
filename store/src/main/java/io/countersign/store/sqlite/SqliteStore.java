package io.countersign.store.sqlite;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.store.ActionStore;
import io.countersign.store.StoreUnavailableException;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The embedded store: one SQLite file in WAL mode with {@code synchronous=FULL}, so a commit is on disk
 * when it returns (NORMAL could lose acknowledged commits on power failure). One writer connection,
 * a few reader connections.
 */
public final class SqliteStore {
    private SqliteStore() {
    }

    public static ActionStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            String url = "jdbc:sqlite:" + file.toAbsolutePath();
            SQLiteDataSource writes = writerDataSource(file);
            try (Connection connection = writes.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("PRAGMA journal_mode=WAL");
            }
            Flyway.configure()
                    .dataSource(writes)
                    .locations("classpath:db/migration/sqlite")
                    .loggers("slf4j")
                    .load()
                    .migrate();
            HikariConfig pool = new HikariConfig();
            pool.setDataSource(dataSource(url, true));
            pool.setMaximumPoolSize(4);
            pool.setReadOnly(true);
            pool.setPoolName("countersign-sqlite-readers");
            HikariDataSource readers = new HikariDataSource(pool);
            GroupCommitWriter writer = new GroupCommitWriter(writes.getConnection(), "countersign-sqlite-writer");
            JdbcActionStore store = new JdbcActionStore(writer, readers, readers);
            store.backfillAuditLog();
            return store;
        } catch (SQLException | IOException | RuntimeException e) {
            throw new StoreUnavailableException("cannot open the SQLite store at " + file + ": " + e.getMessage(), e);
        }
    }

    /** Where the writer connection comes from: the settings every acknowledged write relies on. */
    public static SQLiteDataSource writerDataSource(Path file) {
        return dataSource("jdbc:sqlite:" + file.toAbsolutePath(), false);
    }

    private static SQLiteDataSource dataSource(String url, boolean readOnly) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout(10_000);
        config.enforceForeignKeys(true);
        config.setReadOnly(readOnly);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(url);
        return source;
    }
}
