package io.countersign.sdk;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Sends one outcome report until Countersign records it: a node that is restarting or briefly unreachable
 * does not lose it. A report that did not arrive (no connection, or 502 to 504) is sent again, each pause
 * twice the one before (up to 30 s), until it is recorded or refused, or until its grant has expired, after
 * which the node would refuse it. It blocks the thread that waits for it: the MCP gateway gives each report
 * a virtual thread of its own, {@code countersign run} waits before it exits.
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

    private final Countersign countersign;
    private final Duration firstPause;

    /** @param firstPause how long the first retry waits */
    public OutcomeDelivery(Countersign countersign, Duration firstPause) {
        this.countersign = countersign;
        this.firstPause = firstPause;
    }

    /** When Countersign stops accepting a grant whose answer says it expires at {@code expiresAt}; its default life from now when that is not a time. */
    public static Instant grantExpiry(String expiresAt) {
        try {
            return Instant.parse(expiresAt == null ? "" : expiresAt);
        } catch (DateTimeParseException e) {
            return Instant.now().plus(DEFAULT_GRANT_LIFE);
        }
    }

    /**
     * Reports how running action {@code id} with {@code grant} went; Countersign accepts the grant until {@code grantExpires}.
     *
     * @return null once recorded; otherwise why it was not
     */
    public String deliver(String id, String grant, boolean succeeded, String detail, Instant grantExpires, Retrying retrying) {
        byte[] report = Countersign.outcome(grant, succeeded, detail).getBytes(StandardCharsets.UTF_8);
        Duration pause = firstPause;
        while (true) {
            String failure;
            boolean worthAgain;
            try {
                Countersign.Answer answer = countersign.send("POST", Countersign.path(id) + "/outcome", report, Duration.ofSeconds(30));
                if (answer.ok()) {
                    return null;
                }
                failure = answer.errorMessage();
                worthAgain = answer.status() >= 502 && answer.status() <= 504;
            } catch (CountersignException e) {
                failure = e.getMessage();
                worthAgain = e.status() == 0;
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
