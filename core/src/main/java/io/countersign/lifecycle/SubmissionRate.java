package io.countersign.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A token bucket per principal: {@code burst} submissions at once, then {@code perSecond}. In memory on
 * each node; buckets that have refilled are dropped, so memory follows the principals active now.
 */
final class SubmissionRate {
    /** Tokens and when they were last counted, for one principal. */
    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    private final SubmissionLimits limits;
    private final Clock clock;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    SubmissionRate(SubmissionLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** @return null when {@code principal} may submit now (a token is taken), else how long until it may */
    Duration take(String principal) {
        if (Double.isInfinite(limits.perSecond())) {
            return null;
        }
        long now = clock.millis();
        Duration[] wait = new Duration[1];
        buckets.compute(principal, (id, bucket) -> {
            Bucket current = bucket == null ? new Bucket(limits.burst(), now) : bucket;
            current.tokens = Math.min(limits.burst(), current.tokens + (now - current.at) / 1000.0 * limits.perSecond());
            current.at = now;
            if (current.tokens >= 1) {
                current.tokens -= 1;
            } else {
                wait[0] = Duration.ofMillis((long) Math.ceil((1 - current.tokens) / limits.perSecond() * 1000));
            }
            return current;
        });
        if (buckets.size() > 10_000) {
            forgetFull(now);
        }
        return wait[0];
    }

    private void forgetFull(long now) {
        buckets.entrySet().removeIf(e -> e.getValue().tokens + (now - e.getValue().at) / 1000.0 * limits.perSecond() >= limits.burst());
    }
}
