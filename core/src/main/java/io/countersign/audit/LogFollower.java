package io.countersign.audit;

import io.countersign.audit.AuditLogStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Hands every audit-log entry, in log order, to one handler on a virtual thread of its own, from a
 * durable position: what webhooks, callbacks and chat channels are built on. The position moves only
 * past entries that were handled, so a restart repeats an entry at worst and never skips one. A store
 * failure pauses the follower, which then starts again from the stored position.
 */
public final class LogFollower implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LogFollower.class.getName());
    private static final int BATCH = 64;

    /** What became of one entry. */
    public enum Handled {
        /** Acted on; the handler moved the position past it (with the record of what it did). */
        RECORDED,
        /** Nothing to do here; the follower moves the position past it. */
        PASSED,
        /** Stop following (closing, or the destination is gone); the position stays before this entry. */
        STOP
    }

    private final String cursor;
    private final AuditLogStore log;
    private final LogCursors positions;
    private final Duration idle;
    private final LogSubscriber subscriber;
    private final BooleanSupplier leads;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Released when entries are appended (or on close): a follower that has caught up waits on it. */
    private final Semaphore appended = new Semaphore(0);
    private Runnable stopListening = () -> { };
    private Thread thread;

    private LogFollower(LogSubscriber subscriber, AuditLogStore log, LogCursors positions, Duration idle, BooleanSupplier leads) {
        this.leads = leads;
        this.cursor = subscriber.cursor();
        this.log = log;
        this.positions = positions;
        this.idle = idle;
        this.subscriber = subscriber;
    }

    /**
     * Starts feeding {@code subscriber} on a virtual thread of its own, from the position its cursor names;
     * a subscriber seen for the first time starts at the log's end.
     *
     * @param idle  how long to wait when the log has nothing new and no append is heard of (a safety net:
     *              appends wake the follower at once)
     * @param leads whether this node follows the log now; positions are shared by every node, and only
     *              the one that leads moves them (the others wait, and read the position afresh when they lead)
     */
    public static LogFollower start(LogSubscriber subscriber, AuditLogStore log, LogCursors positions, Duration idle, BooleanSupplier leads) {
        LogFollower follower = new LogFollower(subscriber, log, positions, idle, leads);
        follower.stopListening = log.onAppend(follower.appended::release);
        follower.thread = Thread.ofVirtual().name(subscriber.name()).start(follower::follow);
        return follower;
    }

    public boolean running() {
        return stopped.getCount() > 0;
    }

    /** Waits, ending early when the follower is closed; returns whether it still runs. */
    public boolean pause(Duration wait) {
        try {
            return !stopped.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void follow() {
        long next = -1;
        while (running()) {
            try {
                if (!leads.getAsBoolean()) {
                    next = -1;
                    pause(idle);
                    continue;
                }
                if (next < 0) {
                    next = positions.cursor(cursor, log.size());
                }
                long end = Math.min(log.size(), next + BATCH);
                if (next >= end) {
                    awaitAppend();
                    continue;
                }
                List<byte[]> entries = new ArrayList<>();
                log.entries(next, end, (index, entry, leafHash) -> entries.add(entry));
                long passedFrom = -1;
                for (byte[] entry : entries) {
                    Handled handled = running() ? subscriber.handle(this, new LogEntry(next, entry, AuditEntry.decode(entry))) : Handled.STOP;
                    if (handled == Handled.STOP) {
                        advancePast(passedFrom, next);
                        return;
                    }
                    passedFrom = handled == Handled.PASSED ? (passedFrom < 0 ? next : passedFrom) : -1;
                    next++;
                }
                advancePast(passedFrom, next);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "following the audit log for " + cursor + " paused", e);
                next = -1;
                pause(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * Waits for the next append, at most {@code idle}. An append heard of after the size was read has left
     * a permit, so it is never slept through.
     */
    private void awaitAppend() throws InterruptedException {
        appended.tryAcquire(idle.toMillis(), TimeUnit.MILLISECONDS);
        appended.drainPermits();
    }

    /** One write for a run of passed entries, not one per entry. */
    private void advancePast(long passedFrom, long next) {
        if (passedFrom >= 0) {
            positions.advance(cursor, next);
        }
    }

    /**
     * Lets the entry in hand finish (what it did is then also recorded), ending any wait at once; a call
     * that hangs is cut off after a few seconds.
     */
    @Override
    public void close() {
        stopped.countDown();
        appended.release();
        stopListening.run();
        try {
            thread.join(5_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(1_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
