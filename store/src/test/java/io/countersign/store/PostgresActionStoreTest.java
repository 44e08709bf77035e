package io.countersign.store;

import io.countersign.lifecycle.ActionStore;
import io.countersign.storage.Storage;

import static io.countersign.testing.Fixtures.AGENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.audit.Rfc6962;
import io.countersign.events.ActionEvent;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.model.ActionRequest;
import io.countersign.store.jdbc.GroupCommitWriter;
import io.countersign.store.postgres.PostgresStore;
import io.countersign.testing.PostgresSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link ActionStore} contract on the real PostgreSQL, and what several nodes on one database rely on. */
class PostgresActionStoreTest extends ActionStoreContract {
    PostgresSchema schema;

    @BeforeEach
    @Override
    void openStore() {
        try {
            schema = new PostgresSchema();
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + PostgresSchema.SERVER + "; .ci/run starts it", e);
        }
        super.openStore();
    }

    @Override
    Storage open() {
        return PostgresStore.open(schema.url(), PostgresSchema.USER, null);
    }

    @AfterEach
    void dropSchema() throws SQLException {
        store.close();
        schema.close();
    }

    @Test
    void aFailingFirstWriteOfABatchIsUndoneAndTheWritesQueuedBehindItAreCommitted() throws Exception {
        // On PostgreSQL the failed write aborts the transaction; the rollback also ends the advisory lock, taken again.
        GroupCommitWriter.ConnectionSource inSchema = () -> DriverManager.getConnection(schema.url(), PostgresSchema.USER, null);
        try (Connection connection = inSchema.open()) {
            connection.createStatement().execute("CREATE TABLE t (k integer PRIMARY KEY)");
            try (GroupCommitWriter writer = GroupCommitWriter.reconnecting(inSchema, "test-writer", "SELECT pg_advisory_xact_lock(42)")) {
                WriterBatches.aFailingFirstWriteIsUndoneAndTheWritesBehindItAreCommitted(writer, connection);
            }
        }
    }

    @Test
    void aSubscriberThatFailsLeavesTheNodeHearingEveryOtherNodesChanges() throws Exception {
        java.util.Set<io.countersign.model.ActionId> heard = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean failedOnce = new java.util.concurrent.atomic.AtomicBoolean();
        store.subscribe(id -> {
            if (failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("a subscriber's bug");
            }
        });
        store.subscribe(heard::add);
        try (Storage other = open()) {
            // Another node's changes, one after the other: the first one makes the first subscriber fail.
            List<io.countersign.model.ActionId> changed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Lifecycle.Started started = started(request("OPS-" + (40 + i), null));
                other.insert(started.record(), started.events());
                io.countersign.lifecycle.Transition.Applied cancelled = (io.countersign.lifecycle.Transition.Applied) Lifecycle.transition(started.record(),
                        new io.countersign.lifecycle.LifecycleEvent.CancelRequested(AGENT), NOW);
                assertThat(other.update(cancelled.next(), cancelled.review(), cancelled.events())).isTrue();
                changed.add(started.record().id());
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!heard.containsAll(changed) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(failedOnce).isTrue();
            assertThat(heard).as("the other subscriber heard every change, the failing one's too").containsAll(changed);
        }
    }

    @Test
    void aChatMessageReplayedToEveryNodeAtOnceCountsOnce() throws Exception {
        try (Storage other = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int message = 0; message < 20; message++) {
                String key = "teams-activity:" + message;
                List<Future<Boolean>> offers = new ArrayList<>();
                for (int copy = 0; copy < 8; copy++) {
                    Storage node = copy % 2 == 0 ? store : other;
                    offers.add(pool.submit(() -> node.replays().firstTime(key, NOW.plusSeconds(600), NOW)));
                }
                int taken = 0;
                for (Future<Boolean> offer : offers) {
                    taken += offer.get() ? 1 : 0;
                }
                assertThat(taken).as("copies of %s taken", key).isEqualTo(1);
            }
        }
    }

    @Test
    void twoNodesWritingAtOnceKeepOneAuditTree() throws Exception {
        // Two stores on one database are two nodes: each has its own writer, both append to one log.
        try (Storage other = open(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Storage node = i % 2 == 0 ? store : other;
                int n = i;
                writes.add(pool.submit(() -> {
                    ActionRequest base = request("OPS-" + n, null);
                    Lifecycle.Started started = started(new ActionRequest(base.action(), base.resource(), base.intent(),
                            io.countersign.json.Json.parse("{\"n\": " + n + "}"), null, null));
                    node.insert(started.record(), started.events());
                    node.append(List.of(new ActionEvent(null, ActionEvent.SYSTEM, NOW, policyLoaded("sha256:" + n))));
                }));
            }
            for (Future<?> write : writes) {
                write.get();
            }
        }
        long size = store.auditLog().size();
        assertThat(size).isGreaterThanOrEqualTo(400);
        // Dense leaf indexes, and the tree's stored hashes agree with the entries hashed afresh.
        io.countersign.audit.RootBuilder afresh = new io.countersign.audit.RootBuilder();
        try (Connection connection = schema.connect();
             ResultSet rows = connection.createStatement().executeQuery(
                     "SELECT leaf_index, entry FROM " + schema.name + ".events ORDER BY leaf_index")) {
            long expected = 0;
            while (rows.next()) {
                assertThat(rows.getLong(1)).isEqualTo(expected++);
                afresh.add(Rfc6962.leafHash(rows.getBytes(2)));
            }
            assertThat(expected).isEqualTo(size);
        }
        assertThat(io.countersign.audit.TreeMath.treeHash(size, store.auditLog().hashes())).isEqualTo(afresh.root());
        io.countersign.audit.LogIntegrity.check(store.auditLog(), List.of());
    }
}
