package io.countersign.audit;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Re-derives a log from its entries: recomputes every leaf hash and the root at the size of every
 * signed checkpoint given, and says where the first difference is. Feed entries in index order with
 * {@link #accept}, then call {@link #finish}. Used by the server's start-up check and by
 * {@code countersign audit verify}, so both judge a log the same way.
 */
public final class LogVerifier {
    private final List<Checkpoint> checkpoints;
    private final RootBuilder tree = new RootBuilder();
    private int nextCheckpoint;
    private long lastGoodSize;

    /** @param checkpoints signed checkpoints already checked for signature and origin, any order */
    public LogVerifier(List<Checkpoint> checkpoints) {
        List<Checkpoint> sorted = new ArrayList<>(checkpoints);
        sorted.sort(Comparator.comparingLong(Checkpoint::size));
        for (int i = 1; i < sorted.size(); i++) {
            Checkpoint a = sorted.get(i - 1);
            Checkpoint b = sorted.get(i);
            if (a.size() == b.size() && !MessageDigest.isEqual(a.root(), b.root())) {
                throw new IllegalArgumentException("two signed checkpoints of size " + a.size() + " with different roots: the log forked");
            }
        }
        this.checkpoints = sorted;
    }

    /**
     * @param claimedLeafHash the leaf hash the source says this entry has (stored tree, export record,
     *                        served tile), or null when it does not say
     */
    public void accept(long index, byte[] entry, byte[] claimedLeafHash) throws LogProblem {
        long expected = tree.size();
        if (expected == 0) {
            checkCheckpointsAt(0);
        }
        if (index != expected) {
            throw index > expected
                    ? new LogProblem(expected, "entry " + expected + " is missing: the next entry present is " + index)
                    : new LogProblem(index, "entry " + index + " appears again after entry " + (expected - 1) + ": entries are out of order");
        }
        byte[] leaf = Rfc6962.leafHash(entry);
        if (claimedLeafHash != null && !MessageDigest.isEqual(leaf, claimedLeafHash)) {
            throw new LogProblem(index, "entry " + index + " was altered: its bytes do not hash to the leaf hash recorded for it");
        }
        tree.add(leaf);
        checkCheckpointsAt(tree.size());
    }

    private void checkCheckpointsAt(long size) throws LogProblem {
        while (nextCheckpoint < checkpoints.size() && checkpoints.get(nextCheckpoint).size() == size) {
            if (!MessageDigest.isEqual(tree.root(), checkpoints.get(nextCheckpoint).root())) {
                throw new LogProblem(lastGoodSize, size == 0
                        ? "a checkpoint of size 0 must carry the empty tree's root"
                        : "entries " + lastGoodSize + " to " + (size - 1) + " do not match the checkpoint signed at size " + size
                        + (lastGoodSize > 0 ? " (the one at size " + lastGoodSize + " matches)" : "")
                        + ": one of them was changed, removed or reordered");
            }
            lastGoodSize = size;
            nextCheckpoint++;
        }
    }

    /**
     * Checks the tree after the last entry against every checkpoint.
     *
     * @return the root of all entries seen
     */
    public byte[] finish() throws LogProblem {
        long size = tree.size();
        if (size == 0) {
            checkCheckpointsAt(0);
        }
        Checkpoint largest = checkpoints.isEmpty() ? null : checkpoints.getLast();
        if (largest != null && largest.size() > size) {
            throw new LogProblem(size, "the log was truncated: a signed checkpoint covers " + largest.size()
                    + " entries but only " + size + " are present (entries " + size + " to " + (largest.size() - 1) + " are gone)");
        }
        return tree.root();
    }

    public long size() {
        return tree.size();
    }
}
