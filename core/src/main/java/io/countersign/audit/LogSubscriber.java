package io.countersign.audit;

/**
 * Something that follows the audit log, every entry in order, from a position of its own: a chat channel's
 * reviews, a webhook endpoint, the callbacks of requests. Registered once; a {@link LogFollower} feeds it on a
 * thread of its own, from the position kept under {@link #cursor()}, on the node that leads.
 */
public interface LogSubscriber {
    /** The name its position is kept under ({@code channel:slack}, {@code https://hooks.example/a}), the same on every node. */
    String cursor();

    /** A name for its thread and its log lines. */
    String name();

    /**
     * Acts on one entry. {@link LogFollower.Handled#RECORDED} means the subscriber moved its position past the
     * entry itself, with the record of what it did; waits between retries go through {@code follower.pause}, so
     * closing ends them.
     */
    LogFollower.Handled handle(LogFollower follower, LogEntry entry) throws InterruptedException;
}
