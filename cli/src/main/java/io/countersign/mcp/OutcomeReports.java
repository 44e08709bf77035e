package io.countersign.mcp;

import io.countersign.cli.ApiClient;
import io.countersign.cli.OutcomeReport;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import tools.jackson.databind.node.ObjectNode;

/**
 * Records how forwarded calls went in Countersign's audit log, after the agent has its answer, each on a
 * virtual thread of its own. A node that is restarting or briefly unreachable does not lose them: a report
 * that did not arrive (no connection, or 502 to 504) is sent again, backing off, until it is recorded or
 * refused, or until its grant has expired, after which the node would refuse it.
 */
final class OutcomeReports {
    private static final System.Logger LOG = System.getLogger(OutcomeReports.class.getName());
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

    private final ApiClient countersign;
    private final Duration firstPause;

    /** @param firstPause how long the first retry waits; each later one waits twice as long as the one before, up to 30 s */
    OutcomeReports(ApiClient countersign, Duration firstPause) {
        this.countersign = countersign;
        this.firstPause = firstPause;
    }

    /** Reports the outcome of action {@code id}, run with {@code grant}, which Countersign accepts until {@code grantExpires}. */
    void report(String id, String grant, Instant grantExpires, boolean succeeded, String detail) {
        // Everything, the body included, on the report's own thread: the call's answer does not wait for it.
        Thread.ofVirtual().name("countersign-mcp-outcome")
                .start(() -> deliver(id, new OutcomeReport(grant, succeeded, detail).json(), grantExpires));
    }

    private void deliver(String id, ObjectNode outcome, Instant grantExpires) {
        Duration pause = firstPause;
        while (true) {
            String failure;
            boolean worthAgain;
            try {
                ApiClient.Answer answer = countersign.post("v1/actions/" + id + "/outcome", outcome);
                if (answer.ok()) {
                    return;
                }
                failure = answer.errorMessage();
                worthAgain = answer.status() >= 502 && answer.status() <= 504;
            } catch (ApiClient.Unreachable e) {
                failure = e.getMessage();
                worthAgain = true;
            } catch (RuntimeException e) {
                failure = e.getMessage();
                worthAgain = false;
            }
            if (!worthAgain || Instant.now().plus(pause).isAfter(grantExpires)) {
                LOG.log(Level.WARNING, "could not record the outcome of " + id + (worthAgain ? " before its grant expired: " : ": ") + failure);
                return;
            }
            LOG.log(Level.DEBUG, "recording the outcome of " + id + " failed (" + failure + "); again in " + pause.toMillis() + " ms");
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            }
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : doubled;
        }
    }
}
