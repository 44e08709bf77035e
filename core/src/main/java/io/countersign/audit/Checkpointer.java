package io.countersign.audit;

import io.countersign.audit.AuditLogStore;
import io.countersign.audit.AuditLogStore.StoredCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Signs checkpoints over durable leaves only, and never two that disagree. The last one signed is
 * written (atomically) to a file beside the key before anyone sees it, and kept in the store's history;
 * at start-up both are checked against a root recomputed from every entry.
 */
public final class Checkpointer {
    private static final System.Logger LOG = System.getLogger(Checkpointer.class.getName());

    private final LogKey key;
    private final AuditLogStore store;
    private final Path file;
    private final Clock clock;
    private volatile SignedCheckpoint latest;

    private Checkpointer(LogKey key, AuditLogStore store, Path file, Clock clock, SignedCheckpoint latest) {
        this.key = key;
        this.store = store;
        this.file = file;
        this.clock = clock;
        this.latest = latest;
    }

    /**
     * Checks the stored log against the last signed checkpoints, then signs one over anything appended since.
     *
     * @throws AuditLogCorruptedException naming what is wrong and where
     */
    public static Checkpointer start(LogKey key, AuditLogStore store, Path file, Clock clock) {
        NoteVerifier verifier = key.verifier();
        List<Checkpoint> signed = new ArrayList<>();
        SignedCheckpoint fromFile = null;
        if (Files.exists(file)) {
            fromFile = open(readNote(file), verifier, file.toString());
            signed.add(fromFile.checkpoint());
        }
        SignedCheckpoint fromStore = null;
        Optional<StoredCheckpoint> stored = store.latestCheckpoint();
        if (stored.isPresent()) {
            fromStore = open(stored.get().note(), verifier, "the store's latest checkpoint");
            signed.add(fromStore.checkpoint());
        }
        store.checkpoints().forEach(c -> signed.add(new Checkpoint(key.name(), c.size(), c.root())));
        LogIntegrity.check(store, signed);
        SignedCheckpoint anchor = fromStore == null || fromFile != null && fromFile.size() >= fromStore.size() ? fromFile : fromStore;
        Checkpointer checkpointer = new Checkpointer(key, store, file, clock, anchor);
        if (anchor == null) {
            checkpointer.publish(new Checkpoint(key.name(), 0, Rfc6962.EMPTY_ROOT));
        } else if (anchor != fromFile || fromStore == null || fromStore.size() < anchor.size()) {
            // A crash between the two writes left the file ahead of the store, or the file was lost.
            checkpointer.persist(anchor);
        }
        checkpointer.sign();
        return checkpointer;
    }

    private static SignedCheckpoint open(String note, NoteVerifier verifier, String where) {
        try {
            return SignedCheckpoint.open(note, verifier);
        } catch (SignedNote.NoteException e) {
            throw new AuditLogCorruptedException(where + " is not a checkpoint signed by this log's key "
                    + verifier + ": " + e.getMessage());
        }
    }

    private static String readNote(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public SignedCheckpoint latest() {
        return latest;
    }

    public String origin() {
        return key.name();
    }

    /** The latest checkpoint if it covers {@code size} leaves, else a new one over everything durable. */
    public SignedCheckpoint covering(long size) {
        SignedCheckpoint current = latest;
        return current.size() >= size ? current : sign();
    }

    /** Signs the durable tree if it grew since the last checkpoint; returns the latest either way. */
    public synchronized SignedCheckpoint sign() {
        long size = store.size();
        SignedCheckpoint previous = latest;
        if (size == previous.size()) {
            return previous;
        }
        if (size < previous.size()) {
            throw new IllegalStateException("the log holds " + size + " entries, fewer than the " + previous.size()
                    + " already signed; refusing to sign");
        }
        // Never sign a tree that does not extend the last one (tlog-checkpoint: no two inconsistent checkpoints).
        byte[] previousRoot = TreeMath.treeHash(previous.size(), store.hashes());
        if (!MessageDigest.isEqual(previousRoot, previous.checkpoint().root())) {
            throw new IllegalStateException("the stored tree no longer matches the checkpoint signed at size "
                    + previous.size() + "; refusing to sign");
        }
        return publish(new Checkpoint(key.name(), size, TreeMath.treeHash(size, store.hashes())));
    }

    private SignedCheckpoint publish(Checkpoint checkpoint) {
        SignedCheckpoint signed = new SignedCheckpoint(checkpoint, SignedNote.sign(checkpoint.body(), key));
        persist(signed);
        latest = signed;
        return signed;
    }

    private void persist(SignedCheckpoint signed) {
        try {
            AtomicFile.write(file, signed.note().getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "cannot write the signed checkpoint to " + file, e);
            throw new UncheckedIOException("cannot write the signed checkpoint to " + file, e);
        }
        store.saveCheckpoint(new StoredCheckpoint(signed.size(), signed.checkpoint().root(), signed.note(), clock.instant()));
    }
}
