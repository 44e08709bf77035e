package io.countersign.audit;


import io.countersign.audit.HashReader;
import io.countersign.events.EventType;
import io.countersign.model.ActionId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The durable half of the audit log: leaves are appended by the store in the same transaction as the
 * events they record (see the lifecycle's store); this interface reads them back, with the stored tree
 * hashes and the history of signed checkpoints. Reads see committed, therefore durable, data only.
 */
public interface AuditLogStore {

    /** A leaf of one action: where it is in the log and which event it records. */
    record Leaf(long index, EventType type) {
    }

    /** A checkpoint the log signed: its tree and the signed note as served. */
    record StoredCheckpoint(long size, byte[] root, String note, Instant signedAt) {
    }

    /** Receives entries in index order. */
    @FunctionalInterface
    interface EntryVisitor {
        /**
         * @param storedLeafHash the leaf hash stored when the entry was appended (null if it is missing)
         */
        void visit(long index, byte[] entry, byte[] storedLeafHash);
    }

    /** Number of durable leaves. */
    long size();

    /**
     * Calls {@code listener} each time entries may have become durable, on this node or (in a cluster) on
     * another, so that whoever follows the log can wait for that instead of polling. Calls may be spurious
     * and come on the writing thread: the listener must be quick. By default, never called.
     *
     * @return what stops the calls
     */
    default Runnable onAppend(Runnable listener) {
        return () -> { };
    }

    HashReader hashes();

    Optional<byte[]> entry(long index);

    /** Visits the entries with indexes in {@code [from, to)} in index order, skipping none that exist. */
    void entries(long from, long to, EntryVisitor visitor);

    List<Leaf> leaves(ActionId id);

    Optional<StoredCheckpoint> latestCheckpoint();

    /** Sizes and roots of every signed checkpoint, smallest first. */
    List<StoredCheckpoint> checkpoints();

    void saveCheckpoint(StoredCheckpoint checkpoint);
}
