package io.countersign.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import tools.jackson.databind.JsonNode;

/**
 * Sends one outcome report until Countersign records it: a node that is restarting or briefly
 * unreachable does not lose it. A report that did not arrive (no connection, or 502 to 504) is sent
 * again, each pause twice the one before (up to 30 s), until it is recorded or refused, or until its
 * grant has expired, after which the node would refuse it. Used on the thread that waits for it: the
 * MCP gateway gives each report a virtual thread of its own, {@code countersign run} waits before it exits.
 */
public final class OutcomeDelivery {
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);
    /** A grant's life when its answer does not say: the server's default. */
    private static final Duration DEFAULT_GRANT_LIFE = Duration.ofMinutes(5);

    /** Told of each failed attempt that will be made again, and how long until then. */
    @FunctionalInterface
    public interface Retrying {
        void retrying(String failure, Duration pause);
    }

    private final ApiClient countersign;
    private final Duration firstPause;

    /** @param firstPause how long the first retry waits */
    public OutcomeDelivery(ApiClient countersign, Duration firstPause) {
        this.countersign = countersign;
        this.firstPause = firstPause;
    }

    /** When Countersign stops accepting {@code grant} (a grant as an action's answer holds it): as it says, else its default life from now. */
    public static Instant expiryOf(JsonNode grant) {
        try {
            return Instant.parse(grant.path("expires_at").asString(""));
        } catch (DateTimeParseException e) {
            return Instant.now().plus(DEFAULT_GRANT_LIFE);
        }
    }

    /**
     * Delivers {@code report} on action {@code id}; Countersign accepts its grant until {@code grantExpires}.
     *
     * @return null once recorded; otherwise why it was not
     */
    public String deliver(String id, OutcomeReport report, Instant grantExpires, Retrying retrying) {
        Duration pause = firstPause;
        while (true) {
            String failure;
            boolean worthAgain;
            try {
                ApiClient.Answer answer = countersign.post("v1/actions/" + id + "/outcome", report.json());
                if (answer.ok()) {
                    return null;
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
            if (!worthAgain) {
                return failure;
            }
            if (Instant.now().plus(pause).isAfter(grantExpires)) {
                return failure + " (and its grant expires before another attempt)";
            }
            retrying.retrying(failure, pause);
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return failure + " (interrupted before another attempt)";
            }
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : doubled;
        }
    }
}
