package io.countersign.audit;

/**
 * Where each follower of the audit log stands: the index of the next entry it is to handle, by name, shared
 * by every node. A position moves only past entries that were handled, so a restart repeats an entry at
 * worst and never skips one.
 */
public interface LogCursors {
    /** The follower's position; one seen for the first time starts at {@code initial}. */
    long cursor(String name, long initial);

    /** Moves the position to {@code next}; never moves it back. */
    void advance(String name, long next);
}
