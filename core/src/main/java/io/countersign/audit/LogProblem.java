package io.countersign.audit;

/**
 * The log is not what its signed checkpoints say: an entry was altered, removed, reordered or cut off,
 * or a checkpoint is not the log's. {@code index} is the first bad entry when it is known, else -1.
 */
public final class LogProblem extends Exception {
    private final long index;

    public LogProblem(long index, String message) {
        super(message);
        this.index = index;
    }

    public long index() {
        return index;
    }
}
