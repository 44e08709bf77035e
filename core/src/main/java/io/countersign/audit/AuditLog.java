package io.countersign.audit;

import io.countersign.events.EventType;
import io.countersign.model.ActionId;
import io.countersign.model.InvalidInputException;
import io.countersign.audit.AuditLogStore;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the log offers its readers: the latest checkpoint, tlog-tiles, single entries, inclusion and
 * consistency proofs, and one tlog-proof per action decision. Everything is read from durable data.
 */
public final class AuditLog {
    /** The events that settle an action; its proof is for the last of these, else for the policy decision. */
    private static final Set<EventType> OUTCOMES = Set.of(EventType.APPROVED, EventType.DENIED, EventType.EXPIRED,
            EventType.CANCELLED);

    private final AuditLogStore store;
    private final Checkpointer checkpointer;

    public AuditLog(AuditLogStore store, Checkpointer checkpointer) {
        this.store = store;
        this.checkpointer = checkpointer;
    }

    /** One leaf: its index, its bytes and their leaf hash. */
    public record Entry(long index, byte[] bytes, byte[] leafHash) {
    }

    public SignedCheckpoint checkpoint() {
        return checkpointer.latest();
    }

    public long size() {
        return store.size();
    }

    public Optional<Entry> entry(long index) {
        return store.entry(index).map(bytes -> new Entry(index, bytes, Rfc6962.leafHash(bytes)));
    }

    /** The tile's bytes, or empty when the tree does not have (yet) that many leaves. */
    public Optional<byte[]> tile(TilePath tile) {
        long size = store.size();
        long first = tile.index() * TilePath.WIDTH;
        long end = first + tile.width();
        if (tile.isEntries()) {
            if (end > size) {
                return Optional.empty();
            }
            ByteArrayOutputStream bundle = new ByteArrayOutputStream();
            store.entries(first, end, (index, entry, leafHash) -> {
                bundle.write(entry.length >>> 8);
                bundle.write(entry.length & 0xff);
                bundle.writeBytes(entry);
            });
            return Optional.of(bundle.toByteArray());
        }
        int level = tile.level() * TilePath.HEIGHT;
        // A hash at this level exists once all 2^level leaves beneath it are in the tree.
        if (level >= 63 || end > (size >> level)) {
            return Optional.empty();
        }
        long[] indexes = new long[tile.width()];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = TreeMath.storedHashIndex(level, first + i);
        }
        byte[][] hashes = store.hashes().readHashes(indexes);
        byte[] data = new byte[hashes.length * Rfc6962.HASH_SIZE];
        for (int i = 0; i < hashes.length; i++) {
            System.arraycopy(hashes[i], 0, data, i * Rfc6962.HASH_SIZE, Rfc6962.HASH_SIZE);
        }
        return Optional.of(data);
    }

    public List<byte[]> inclusionProof(long index, long size) {
        long available = store.size();
        if (size < 1 || size > available) {
            throw new InvalidInputException("size", "'size' must be from 1 to the log's size, " + available);
        }
        if (index < 0 || index >= size) {
            throw new InvalidInputException("index", "'index' must be from 0 to size - 1 (" + (size - 1) + ")");
        }
        return TreeMath.inclusionProof(index, size, store.hashes());
    }

    public List<byte[]> consistencyProof(long from, long to) {
        long available = store.size();
        if (to < 0 || to > available) {
            throw new InvalidInputException("to", "'to' must be from 0 to the log's size, " + available);
        }
        if (from < 0 || from > to) {
            throw new InvalidInputException("from", "'from' must be from 0 to 'to' (" + to + ")");
        }
        return TreeMath.consistencyProof(from, to, store.hashes());
    }

    /** The tlog-proof of the event that settled the action (or of its policy decision while pending). */
    public Optional<TlogProof> proofFor(ActionId id) {
        List<AuditLogStore.Leaf> leaves = store.leaves(id);
        Optional<AuditLogStore.Leaf> decision = leaves.reversed().stream().filter(l -> OUTCOMES.contains(l.type())).findFirst()
                .or(() -> leaves.reversed().stream().filter(l -> l.type() == EventType.DECIDED).findFirst());
        if (decision.isEmpty()) {
            return Optional.empty();
        }
        long index = decision.get().index();
        SignedCheckpoint checkpoint = checkpointer.covering(index + 1);
        byte[] entry = store.entry(index).orElseThrow();
        return Optional.of(new TlogProof(entry, index, TreeMath.inclusionProof(index, checkpoint.size(), store.hashes()),
                checkpoint.note()));
    }
}
