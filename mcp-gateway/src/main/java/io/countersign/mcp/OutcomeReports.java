package io.countersign.mcp;

import io.countersign.client.JsonApi;
import io.countersign.sdk.OutcomeDelivery;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Records how forwarded calls went in Countersign's audit log, after the agent has its answer, each on a
 * thread of its own, sent again while the node is away ({@link OutcomeDelivery}). A gateway that stops
 * (the agent closed its end) first lets the reports still on their way arrive, for a while.
 */
final class OutcomeReports {
    private static final System.Logger LOG = System.getLogger(OutcomeReports.class.getName());

    /**
     * A few platform threads, kept for the next report: a virtual thread for each cost a carrier thread
     * woken from its pool and a wake-up through the JDK's poller for the answer, CPU that the calls beside
     * it paid for on a small machine. Reports beyond these (a node away, many retrying) run on virtual threads.
     */
    private static final int PLATFORM_THREADS = 4;

    private final OutcomeDelivery delivery;
    private final ThreadPoolExecutor threads = new ThreadPoolExecutor(0, PLATFORM_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
            Thread.ofPlatform().daemon().name("countersign-mcp-outcome-", 1).factory(),
            (report, pool) -> Thread.ofVirtual().name("countersign-mcp-outcome").start(report));
    /** Reports not yet recorded or given up: the action each is about, by a token of its own. Its monitor says when one ends. */
    private final Map<Object, String> underWay = new ConcurrentHashMap<>();

    /** @param firstPause how long the first retry waits; each later one waits twice as long as the one before, up to 30 s */
    OutcomeReports(JsonApi countersign, Duration firstPause) {
        this.delivery = new OutcomeDelivery(countersign.sdk(), firstPause);
    }

    /** Reports the outcome of action {@code id}, run with {@code grant}, which Countersign accepts until {@code grantExpires}. */
    void report(String id, String grant, Instant grantExpires, boolean succeeded, String detail) {
        // Everything, the body included, on the report's own thread: the call's answer does not wait for it.
        Object token = new Object();
        underWay.put(token, id);
        threads.execute(() -> {
            try {
                String failure = delivery.deliver(id, grant, succeeded, detail, grantExpires, (why, pause) ->
                        LOG.log(Level.DEBUG, "recording the outcome of " + id + " failed (" + why + "); again in " + pause.toMillis() + " ms"));
                if (failure != null) {
                    LOG.log(Level.WARNING, "could not record the outcome of " + id + ": " + failure);
                }
            } finally {
                underWay.remove(token);
                synchronized (underWay) {
                    underWay.notifyAll();
                }
            }
        });
    }

    /**
     * Waits up to {@code limit} for the reports under way (also those that start meanwhile) to be recorded
     * or given up; the actions of any still unrecorded then are logged, so that someone can reconcile them.
     */
    void finish(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (underWay) {
            for (long left = limit.toNanos(); !underWay.isEmpty() && left > 0; left = deadline - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(underWay, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!underWay.isEmpty()) {
            LOG.log(Level.WARNING, "stopping with the outcomes of " + String.join(", ", underWay.values()) + " not recorded in Countersign");
        }
    }
}
