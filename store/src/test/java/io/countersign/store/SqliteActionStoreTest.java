package io.countersign.store;

import io.countersign.lifecycle.ActionStore;
import io.countersign.storage.Storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.events.ActionEvent;
import io.countersign.events.EventType;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.LifecycleEvent;
import io.countersign.lifecycle.ReviewDecision;
import io.countersign.lifecycle.Transition.Applied;
import io.countersign.model.Status;
import io.countersign.model.ActionId;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.jdbc.JdbcActionStore;
import io.countersign.store.sqlite.SqliteStore;
import io.countersign.testing.Fixtures;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;

/** The {@link ActionStore} contract on the embedded SQLite store, and what only SQLite promises. */
class SqliteActionStoreTest extends ActionStoreContract {
    @TempDir
    Path dir;

    @Override
    Storage open() {
        return SqliteStore.open(dir.resolve("data/test.db"));
    }

    @Test
    void commitsAreDurable() throws SQLException {
        // The embedded store promises that an acknowledged write survives power loss: WAL with synchronous=FULL.
        Path file = dir.resolve("data/test.db");
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + file); ResultSet mode = connection.createStatement().executeQuery("PRAGMA journal_mode")) {
            assertThat(mode.getString(1)).isEqualTo("wal");
        }
        try (var writer = SqliteStore.writerDataSource(file).getConnection();
             ResultSet synchronous = writer.createStatement().executeQuery("PRAGMA synchronous")) {
            assertThat(synchronous.getInt(1)).as("2 = FULL").isEqualTo(2);
        }
    }

    @Test
    void commitsLeaveTheLogToGrowPastSqlitesDefaultBeforeCopyingItBack() throws SQLException {
        // SQLite's default (copy back after 1,000 pages, inside the commit that crosses it) made one decision in ~66 slow;
        // 10,000 one MCP call in ~360.
        for (int i = 0; i < 2_000; i++) {
            Lifecycle.Started started = started(Fixtures.export("prod", Map.of("batch", Integer.toString(i)), "OPS-" + i));
            assertThat(store.insert(started.record(), started.events())).isInstanceOf(ActionStore.InsertResult.Inserted.class);
        }
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/test.db"));
             ResultSet checkpoint = connection.createStatement().executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            assertThat(checkpoint.getInt(2)).as("pages in the log, none copied back yet").isGreaterThan(10_000).isLessThan(40_000);
        }
    }

    @Test
    void writesThatShareACommitKeepWhatTheyWouldRollBackToInMemoryNotInFilesOfTheirOwn() throws Exception {
        // Past 64 KiB SQLite moved a savepoint's copies of the pages into a file of its temporary directory, on the
        // node's disk, created, deleted and closed again with each such commit: a fifth of the commits of the MCP
        // benchmark, each adding file-system metadata to the journal that the commit's fsync then waits for.
        Path temporary = sqliteTemporaryDirectory();
        List<String> created = new ArrayList<>();
        try (WatchService watch = temporary.getFileSystem().newWatchService()) {
            temporary.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            try (ExecutorService agents = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<ActionStore.InsertResult>> inserts = new ArrayList<>();
                for (int i = 0; i < 600; i++) {
                    Lifecycle.Started started = started(Fixtures.export("prod", Map.of("batch", Integer.toString(i)), "OPS-" + i));
                    inserts.add(agents.submit(() -> store.insert(started.record(), started.events())));
                }
                for (Future<ActionStore.InsertResult> insert : inserts) {
                    assertThat(insert.get()).isInstanceOf(ActionStore.InsertResult.Inserted.class);
                }
            }
            assertThat(((JdbcActionStore) store).writerStats().averageBatch()).as("writes shared commits").isGreaterThan(1.5);
            for (WatchKey key = watch.poll(500, TimeUnit.MILLISECONDS); key != null; key = watch.poll(200, TimeUnit.MILLISECONDS)) {
                key.pollEvents().stream().map(event -> event.context().toString()).filter(name -> name.startsWith("etilqs_")).forEach(created::add);
                key.reset();
            }
        }
        assertThat(created).as("SQLite's temporary files in " + temporary).isEmpty();
    }

    /** Where SQLite puts its temporary files on Unix: the first usable of these (os_unix.c, unixTempFileDir). */
    private static Path sqliteTemporaryDirectory() {
        return java.util.stream.Stream.of(System.getenv("SQLITE_TMPDIR"), System.getenv("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp")
                .filter(java.util.Objects::nonNull)
                .map(Path::of)
                .filter(dir -> java.nio.file.Files.isDirectory(dir) && java.nio.file.Files.isWritable(dir))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aDecisionWritesTheActionItsEventsAndTheirIndexesAndNoMorePages() throws SQLException {
        // Every page of a decision's commit is written twice (log, then database) and waited for: an index of every
        // event by type, only ever read for policy loads, cost two more a decision.
        for (int i = 0; i < 2_000; i++) {
            Lifecycle.Started started = started(Fixtures.export("prod", Map.of("batch", Integer.toString(i)), "OPS-" + i));
            store.insert(started.record(), started.events());
        }
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/test.db"));
             ResultSet checkpoint = connection.createStatement().executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            // A held request: its row and six indexes (two of them only while pending), two events and their two, a tree
            // hash, the sequence, page 1 and the pages above the leaves now and then. 18.7 with the index of events by
            // type, 16.4 without.
            assertThat(checkpoint.getInt(2) / 2_000.0).as("pages in the log per decision").isLessThan(17.5);
        }
    }

    @Test
    void readsThatKeepTheirStatementsHoldNoSnapshotThatStopsTheLogBeingCopiedBack() throws SQLException {
        // A kept statement left mid-result would pin its snapshot: the log could never be copied back and emptied.
        List<ActionId> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Lifecycle.Started started = started(Fixtures.export("prod", Map.of("batch", Integer.toString(i)), "OPS-" + i));
            store.insert(started.record(), started.events());
            ids.add(started.record().id());
        }
        for (ActionId id : ids) {
            assertThat(store.find(id)).isPresent();
        }
        assertThat(store.list(new ActionStore.Query(null, null, 5))).hasSize(5);   // stops reading after five rows
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/test.db"));
             ResultSet checkpoint = connection.createStatement().executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
            assertThat(checkpoint.getInt(1)).as("busy: a reader still holds a snapshot").isZero();
            assertThat(checkpoint.getInt(2)).as("pages left in the log").isZero();
        }
    }

    @Test
    void oneFailingWriteDoesNotUndoItsBatchNeighbours() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("batch.db"))) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
            try (GroupCommitWriter writer = new GroupCommitWriter(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("batch.db")), "test-writer");
                 ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> writes = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    int key = i % 100;   // every key twice: the second insert of each must fail alone
                    writes.add(pool.submit(() -> writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (" + key + ")"))));
                }
                int failed = 0;
                for (Future<Integer> write : writes) {
                    try {
                        write.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(SQLException.class);
                        failed++;
                    }
                }
                assertThat(failed).isEqualTo(100);
            }
            try (ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM t")) {
                assertThat(count.getInt(1)).isEqualTo(100);
            }
        }
    }

    @Test
    void aFailingFirstWriteOfABatchIsUndoneAndTheWritesQueuedBehindItAreCommitted() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("first.db"))) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
            try (GroupCommitWriter writer = new GroupCommitWriter(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("first.db")), "test-writer")) {
                WriterBatches.aFailingFirstWriteIsUndoneAndTheWritesBehindItAreCommitted(writer, connection);
            }
        }
    }

    @Test
    void aLoneWriteIsCommittedOnItsCallersOwnThreadAndAFailingOneUndoesNothingElse() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("alone.db"))) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
            try (GroupCommitWriter writer = new GroupCommitWriter(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("alone.db")), "test-writer")) {
                Thread caller = Thread.currentThread();
                Thread ranOn = writer.execute(c -> {
                    c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
                    return Thread.currentThread();
                });
                assertThat(ranOn).as("no hand-off to the writer's thread and back").isSameAs(caller);
                try (ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM t")) {
                    assertThat(count.getInt(1)).as("committed, seen by another connection").isEqualTo(1);
                }
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (1)")))
                        .isInstanceOf(SQLException.class);
                writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (2)"));
                assertThat(writer.healthy()).isTrue();
            }
            try (ResultSet keys = connection.createStatement().executeQuery("SELECT group_concat(k) FROM (SELECT k FROM t ORDER BY k)")) {
                assertThat(keys.getString(1)).isEqualTo("1,2");
            }
        }
    }

    @Test
    void aWriteThatFailsWithAnErrorLeavesNothingOfItBehind() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("error.db"))) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
            try (GroupCommitWriter writer = new GroupCommitWriter(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("error.db")), "test-writer")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.execute(c -> {
                    c.createStatement().executeUpdate("INSERT INTO t VALUES (1)");
                    throw new StackOverflowError("deep");
                })).isInstanceOf(StoreUnavailableException.class).hasRootCauseInstanceOf(StackOverflowError.class);
                writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (2)"));
            }
            try (ResultSet keys = connection.createStatement().executeQuery("SELECT group_concat(k) FROM t")) {
                assertThat(keys.getString(1)).as("the failed write's row was rolled back, the next one committed").isEqualTo("2");
            }
        }
    }

    @Test
    void aCommitThatThrowsUncheckedFailsEveryCallerOfItsBatchAndEveryLaterWrite() throws Exception {
        Path file = dir.resolve("unchecked.db");
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
        }
        // The driver's second commit throws an unchecked exception, as a driver bug or a full heap might.
        java.util.concurrent.atomic.AtomicInteger commits = new java.util.concurrent.atomic.AtomicInteger();
        java.sql.Connection real = DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.Connection failingSecondCommit = (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[]{java.sql.Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("commit") && commits.incrementAndGet() == 2) {
                        throw new IllegalStateException("driver bug");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        // Not closed by try-with-resources: before the fix its threads waited for ever, and so would the test.
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try (GroupCommitWriter writer = new GroupCommitWriter(failingSecondCommit, "test-writer")) {
            // The first write holds the connection (alone, on its caller's thread) until the others have queued,
            // so the second commit, which fails, is the writer thread's.
            java.util.concurrent.CountDownLatch queued = new java.util.concurrent.CountDownLatch(1);
            Future<Integer> first = WriterBatches.holdTheConnection(writer, pool, queued);
            List<Future<Integer>> queuedWrites = WriterBatches.insertEach(writer, pool, 1, 20);
            Thread.sleep(200);
            queued.countDown();
            assertThat(first.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            for (Future<Integer> write : queuedWrites) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> write.get(10, java.util.concurrent.TimeUnit.SECONDS))
                        .as("told, not left waiting").hasCauseInstanceOf(StoreUnavailableException.class);
            }
            assertThat(writer.healthy()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (99)")))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("refuses writes until restarted");
        } finally {
            pool.shutdownNow();
        }
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + file);
             ResultSet keys = connection.createStatement().executeQuery("SELECT group_concat(k) FROM t")) {
            assertThat(keys.getString(1)).as("only the write committed before the failure").isEqualTo("0");
        }
    }

    @Test
    void writesThatArriveTogetherStillShareCommits() throws Exception {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("together.db"))) {
            connection.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
            try (GroupCommitWriter writer = new GroupCommitWriter(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("together.db")), "test-writer");
                 ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Integer>> writes = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    int key = i;
                    writes.add(pool.submit(() -> writer.execute(c -> c.createStatement().executeUpdate("INSERT INTO t VALUES (" + key + ")"))));
                }
                for (Future<Integer> write : writes) {
                    assertThat(write.get()).isEqualTo(1);
                }
                assertThat(writer.stats().writes()).isEqualTo(2_000);
                assertThat(writer.stats().averageBatch()).as("writes per commit").isGreaterThan(4);
            }
            try (ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM t")) {
                assertThat(count.getInt(1)).isEqualTo(2_000);
            }
        }
    }

    @Test
    void upgradeFromTheFirstSchemaKeepsEveryEvent() throws SQLException {
        store.close();
        Path file = dir.resolve("old.db");
        ActionId old = ActionId.newId(NOW);
        org.flywaydb.core.Flyway.configure().dataSource("jdbc:sqlite:" + file, null, null)
                .locations("classpath:db/migration/sqlite").target("1").load().migrate();
        try (var connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
             var insert = connection.prepareStatement(
                     "INSERT INTO events (action_id, type, actor, at, detail) VALUES (?, 'action.requested', 'deploy-agent', 1, "
                             + "'{\"action\":\"db.read\",\"digest\":\"sha256:00\",\"resource\":\"t:r\",\"summary\":\"s\"}')")) {
            insert.setString(1, old.value());
            insert.executeUpdate();
        }
        store = SqliteStore.open(file);
        assertThat(store.events(old)).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo(EventType.REQUESTED));
        store.append(List.of(new ActionEvent(null, ActionEvent.SYSTEM, NOW, policyLoaded("sha256:a"))));
        assertThat(store.recentSystemEvents(EventType.POLICY_LOADED, 5)).hasSize(1);
    }

    @Test
    void whatANodeKeepsAtHandOfTheActionsItWroteIsExactlyWhatTheDatabaseHolds() {
        Lifecycle.Started started = started(request("OPS-1", "k1"));
        store.insert(started.record(), started.events());
        ActionId id = started.record().id();
        ActionRecord atHand = store.find(id).orElseThrow();
        assertThat(fromTheDatabase(id)).isEqualTo(atHand).isEqualTo(started.record());

        Applied approved = (Applied) Lifecycle.transition(atHand, new LifecycleEvent.ReviewSubmitted(Fixtures.ALICE, ReviewDecision.APPROVE, "ok"), NOW.plusSeconds(1));
        assertThat(store.update(approved.next(), approved.review(), approved.events())).isTrue();
        atHand = store.find(id).orElseThrow();
        assertThat(atHand.status()).isEqualTo(Status.APPROVED);
        assertThat(fromTheDatabase(id)).isEqualTo(atHand);

        Applied ran = (Applied) Lifecycle.transition(atHand, new LifecycleEvent.OutcomeReported(Fixtures.AGENT, "grant-1",
                io.countersign.lifecycle.Execution.Outcome.SUCCEEDED, "exported 3 rows"), NOW.plusSeconds(2));
        assertThat(store.update(ran.next(), ran.review(), ran.events())).isTrue();
        atHand = store.find(id).orElseThrow();
        assertThat(atHand.execution()).isNotNull();
        assertThat(fromTheDatabase(id)).isEqualTo(atHand);
    }

    @Test
    void anActionThisNodeWroteLatelyIsReadBackWithoutAQuery() throws SQLException {
        Lifecycle.Started started = inserted();
        ActionId id = started.record().id();
        // Behind the node's back (no node may do this; the lock keeps other nodes out): a query would see it.
        sql("UPDATE actions SET status = 'denied' WHERE id = ?", id.value());
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(Status.PENDING);
        assertThat(fromTheDatabase(id).status()).isEqualTo(Status.DENIED);
    }

    @Test
    void aWriteThatFindsTheActionChangedLetsTheNextReadSeeTheDatabase() throws SQLException {
        Lifecycle.Started started = inserted();
        ActionId id = started.record().id();
        // A newer version committed, not yet at hand (as between another write's commit and its return).
        sql("UPDATE actions SET status = 'cancelled', version = version + 1 WHERE id = ?", id.value());
        Applied approved = (Applied) Lifecycle.transition(started.record(), new LifecycleEvent.ReviewSubmitted(Fixtures.ALICE, ReviewDecision.APPROVE, "ok"), NOW);
        assertThat(store.update(approved.next(), approved.review(), approved.events())).isFalse();
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(Status.CANCELLED);
    }

    @Test
    void aSecondNodeOnTheSameFileIsRefusedAndNamesTheProcessThatHoldsIt() throws Exception {
        Path file = dir.resolve("shared/countersign.db");
        Process first = holder(file);
        try {
            assertThat(firstLine(first)).isEqualTo("open");
            assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessage("cannot open the SQLite store at " + file + ": it is in use by another Countersign node (process " + first.pid()
                            + "); an SQLite store serves one node at a time: stop the other, or give several nodes one PostgreSQL database");
        } finally {
            first.destroyForcibly().waitFor();
        }
        // However the first ended, its lock ended with it.
        try (Storage second = SqliteStore.open(file)) {
            assertThat(second.healthy()).isTrue();
        }
    }

    @Test
    void aStoreOpenedTwiceInOneProcessIsRefusedAndTheFirstKeepsItsHold() throws Exception {
        Path file = dir.resolve("data/test.db");
        assertThatThrownBy(() -> SqliteStore.open(file)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("in use by another Countersign node (process " + ProcessHandle.current().pid() + ")");
        // The refusal let go of nothing: another process is still kept out, and the first store still writes.
        Process other = holder(file);
        try {
            assertThat(firstLine(other)).startsWith("refused: ").contains("(process " + ProcessHandle.current().pid() + ")");
        } finally {
            other.destroyForcibly().waitFor();
        }
        Lifecycle.Started started = started(request("OPS-1", null));
        assertThat(store.insert(started.record(), started.events())).isInstanceOf(ActionStore.InsertResult.Inserted.class);
        store.close();
        store = SqliteStore.open(file);
        assertThat(store.find(started.record().id())).isPresent();
    }

    /** {@link HoldsSqliteStore} on {@code file}, a process of its own (its stderr discarded: one left running must not hold the build's). */
    private static Process holder(Path file) throws java.io.IOException {
        return new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), HoldsSqliteStore.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String firstLine(Process process) throws java.io.IOException {
        return new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).readLine();
    }

    private Lifecycle.Started inserted() {
        Lifecycle.Started started = started(request("OPS-1", null));
        store.insert(started.record(), started.events());
        return started;
    }

    /** The action as a node that has just started would read it: from the database, with nothing at hand. */
    private ActionRecord fromTheDatabase(ActionId id) {
        store.close();
        store = open();
        return store.find(id).orElseThrow();
    }

    private void sql(String statement, Object... args) throws SQLException {
        try (var connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("data/test.db")); var update = connection.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                update.setObject(i + 1, args[i]);
            }
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }
}
