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
        private double tokens;
        private long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        /** Refills for the time passed, then takes a token: null, or how long until one is there. */
        synchronized Duration take(long now, SubmissionLimits limits) {
            tokens = Math.min(limits.burst(), tokens + (now - at) / 1000.0 * limits.perSecond());
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return null;
            }
            return Duration.ofMillis((long) Math.ceil((1 - tokens) / limits.perSecond() * 1000));
        }

        synchronized boolean fullAt(long now, SubmissionLimits limits) {
            return tokens + (now - at) / 1000.0 * limits.perSecond() >= limits.burst();
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
        if (buckets.size() > 10_000) {
            // A full bucket is what a new one would be: dropping it changes nothing but memory.
            buckets.values().removeIf(bucket -> bucket.fullAt(now, limits));
        }
        return buckets.computeIfAbsent(principal, id -> new Bucket(limits.burst(), now)).take(now, limits);
    }
}
