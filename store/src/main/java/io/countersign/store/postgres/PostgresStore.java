package io.countersign.store.postgres;

import io.countersign.storage.Storage;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.countersign.store.StoreUnavailableException;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The server edition's store: PostgreSQL, shared by every node. Each node writes through one connection
 * with group commit, as on SQLite, and reads through a small pool at REPEATABLE READ, so a record and
 * its reviews come from one snapshot. Every write transaction of every node begins by taking one
 * transaction-scoped advisory lock: transactions that append to the audit log are thereby put in one
 * order across the cluster, the next leaf index is read after the previous holder committed, and the log
 * stays one tree. The lock is released by commit, rollback, or the death of the node's connection, so a
 * node that dies holding it stops no one.
 */
public final class PostgresStore {
    /** The advisory lock key ("CNTRSIGN" as a number): one lock per database. */
    static final long APPEND_LOCK = 0x434E545253494E47L;

    private PostgresStore() {
    }

    /**
     * @param url      {@code jdbc:postgresql://host:port/database}, optionally with {@code ?currentSchema=…}
     * @param user     null to take it from the URL or the driver's defaults
     * @param password null when the server needs none (trust, or a password file)
     */
    public static Storage open(String url, String user, String password) {
        return open(url, user, password, "countersign");
    }

    /** @param applicationName how this node's sessions appear in {@code pg_stat_activity} */
    public static Storage open(String url, String user, String password, String applicationName) {
        HikariDataSource readers = null;
        try {
            PGSimpleDataSource writes = new PGSimpleDataSource();
            writes.setUrl(url);
            if (user != null) {
                writes.setUser(user);
            }
            if (password != null) {
                writes.setPassword(password);
            }
            writes.setApplicationName(applicationName);
            writes.setConnectTimeout(10);
            Flyway.configure()
                    .dataSource(writes)
                    .locations("classpath:db/migration/postgresql")
                    .loggers("slf4j")
                    .load()
                    .migrate();
            HikariConfig pool = new HikariConfig();
            pool.setDataSource(writes);
            pool.setMaximumPoolSize(8);
            pool.setReadOnly(true);
            pool.setTransactionIsolation("TRANSACTION_REPEATABLE_READ");
            pool.setPoolName("countersign-postgres-readers");
            // While the database is away, a read gives up after 2 s (the caller gets 503) rather than Hikari's 30.
            pool.setConnectionTimeout(2_000);
            readers = new HikariDataSource(pool);
            // A lost connection (a restart, a fail-over) is reopened by the writer; see GroupCommitWriter.
            GroupCommitWriter writer = GroupCommitWriter.reconnecting(writes::getConnection, "countersign-postgres-writer",
                    "SELECT pg_advisory_xact_lock(" + APPEND_LOCK + ")");
            JdbcActionStore store = new PostgresActionStore(writer, readers, readers, writes);
            store.backfillAuditLog();
            return store;
        } catch (SQLException | RuntimeException e) {
            if (readers != null) {
                readers.close();
            }
            throw new StoreUnavailableException("cannot open the PostgreSQL store at " + withoutSecrets(url) + ": " + e.getMessage(), e);
        }
    }

    /** The URL as it may be shown: without its query, where a password could be. */
    public static String withoutSecrets(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query);
    }
}
