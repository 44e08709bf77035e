package io.countersign.mcp;

import io.countersign.cli.ApiClient;
import io.countersign.cli.OutcomeDelivery;
import io.countersign.cli.OutcomeReport;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;

/**
 * Records how forwarded calls went in Countersign's audit log, after the agent has its answer, each on a
 * virtual thread of its own, sent again while the node is away ({@link OutcomeDelivery}).
 */
final class OutcomeReports {
    private static final System.Logger LOG = System.getLogger(OutcomeReports.class.getName());

    private final OutcomeDelivery delivery;

    /** @param firstPause how long the first retry waits; each later one waits twice as long as the one before, up to 30 s */
    OutcomeReports(ApiClient countersign, Duration firstPause) {
        this.delivery = new OutcomeDelivery(countersign, firstPause);
    }

    /** Reports the outcome of action {@code id}, run with {@code grant}, which Countersign accepts until {@code grantExpires}. */
    void report(String id, String grant, Instant grantExpires, boolean succeeded, String detail) {
        // Everything, the body included, on the report's own thread: the call's answer does not wait for it.
        Thread.ofVirtual().name("countersign-mcp-outcome").start(() -> {
            String failure = delivery.deliver(id, new OutcomeReport(grant, succeeded, detail), grantExpires, (why, pause) ->
                    LOG.log(Level.DEBUG, "recording the outcome of " + id + " failed (" + why + "); again in " + pause.toMillis() + " ms"));
            if (failure != null) {
                LOG.log(Level.WARNING, "could not record the outcome of " + id + ": " + failure);
            }
        });
    }
}
