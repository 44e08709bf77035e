package io.countersign.store.sqlite;

import io.countersign.storage.Storage;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.store.StoreUnavailableException;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
    /**
     * Log frames (pages) after which a commit copies the log back into the database file before it returns.
     * SQLite's default, 1,000, made one allowed decision in about 66 wait 2 to 2.5 ms for that copy, which
     * set the p99 of a node serving one client. At 10,000 the MCP gateway's benchmark (about 28 frames a call,
     * decision and outcome) met a copy every 360 calls, 4 to 9 ms each, and the calls queued behind it: a third
     * of the calls over its p99. At 40,000 (a log of up to 160 MB) one call in about 1,450 meets one, 11 to 15 ms;
     * five alternating pairs: calls over 6 ms 10–18 against 20–28 in 5,000, added p99 1.88–2.64 ms against
     * 2.61–2.85 (p99.9 11–15 ms against 9–12). Copying rarely also costs less in all, since pages written many
     * times are copied once. Copying on a thread of its own instead was tried: its writes and fsync slowed the
     * commits that ran beside it as much as waiting for it did.
     */
    static final int WAL_CHECKPOINT_FRAMES = 40_000;

    private SqliteStore() {
    }

    /** @throws StoreUnavailableException when the file cannot be opened, or another node holds it */
    public static Storage open(Path file) {
        StoreLock lock = null;
        HikariDataSource readers = null;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            lock = StoreLock.acquire(file);
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
            readers = new HikariDataSource(pool);
            Connection writerConnection = writes.getConnection();
            try (Statement statement = writerConnection.createStatement()) {
                statement.execute("PRAGMA wal_autocheckpoint=" + WAL_CHECKPOINT_FRAMES);
                // What a savepoint would roll back to stays in memory: one write's pages, since SQLite empties an
                // in-memory copy as the savepoint is released. Past 64 KiB it moved them into a file in /var/tmp,
                // kept until the commit deleted it: with a savepoint around every write, a fifth of a lone client's
                // commits did, each adding file-system metadata to the journal that the commit's fsync waited for.
                statement.execute("PRAGMA temp_store=MEMORY");
            }
            GroupCommitWriter writer = new GroupCommitWriter(writerConnection, "countersign-sqlite-writer");
            HikariDataSource pooled = readers;
            StoreLock held = lock;
            JdbcActionStore store = JdbcActionStore.soleWriter(writer, readers, () -> {
                try (held; pooled) {
                    // the readers close first, the lock last: no connection of this node is left on the file
                }
            });
            readers = null;
            lock = null;
            try {
                store.backfillAuditLog();
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
            return store;
        } catch (SQLException | IOException | RuntimeException e) {
            if (readers != null) {
                readers.close();
            }
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw new StoreUnavailableException("cannot open the SQLite store at " + file + ": " + e.getMessage(), e);
        }
    }

    /** What a backup holds: how many actions, and the audit log's size. */
    public record Backup(Path file, long actions, long logSize) {
    }

    /**
     * Copies the store, consistent as of one moment, into {@code target} while the node keeps running
     * ({@code VACUUM INTO} over a read-only connection: WAL lets it read while the writer writes). The copy
     * is written beside {@code target} and renamed into place, readable by its owner only.
     *
     * @throws StoreUnavailableException when the store cannot be read or {@code target} exists
     */
    public static Backup backup(Path file, Path target) {
        if (!Files.isRegularFile(file)) {
            throw new StoreUnavailableException("there is no SQLite store at " + file, null);
        }
        if (Files.exists(target)) {
            throw new StoreUnavailableException(target + " exists already; a backup never overwrites a file", null);
        }
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (Connection connection = dataSource("jdbc:sqlite:" + file.toAbsolutePath(), true).getConnection()) {
            Files.deleteIfExists(partial);
            try (var vacuum = connection.prepareStatement("VACUUM INTO ?")) {
                vacuum.setString(1, partial.toAbsolutePath().toString());
                vacuum.execute();
            }
            long actions;
            long logSize;
            // Counted in the copy itself, so they describe exactly what it holds.
            try (Connection copy = java.sql.DriverManager.getConnection("jdbc:sqlite:" + partial.toAbsolutePath());
                 Statement statement = copy.createStatement();
                 var rows = statement.executeQuery("SELECT (SELECT COUNT(*) FROM actions), (SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM events)")) {
                rows.next();
                actions = rows.getLong(1);
                logSize = rows.getLong(2);
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            return new Backup(target, actions, logSize);
        } catch (SQLException | IOException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the partial copy is named as such
            }
            throw new StoreUnavailableException("backing up " + file + " failed: " + e.getMessage(), e);
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
        // Nothing reads generated keys; left on, the driver runs "SELECT last_insert_rowid()" after every INSERT.
        config.setGetGeneratedKeys(false);
        config.setReadOnly(readOnly);
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(url);
        return source;
    }
}
