package io.countersign.bench;

import java.util.Arrays;

/** Quantiles of measured durations (nanoseconds), read as a user reads latency: p50, p90, p99, max. */
public record Percentiles(long[] sorted) {
    public static Percentiles of(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Percentiles(sorted);
    }

    /** The smallest measurement at or above the quantile (nearest rank). */
    public long at(double quantile) {
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1))];
    }

    public double ms(double quantile) {
        return at(quantile) / 1_000_000.0;
    }

    public double maxMs() {
        return sorted[sorted.length - 1] / 1_000_000.0;
    }

    /** Adds p50, p90, p99 and max in milliseconds to a result row, each key after {@code prefix}. */
    public BenchResult addTo(BenchResult result, String prefix) {
        return result.metric(prefix + "p50_ms", ms(0.50)).metric(prefix + "p90_ms", ms(0.90))
                .metric(prefix + "p99_ms", ms(0.99)).metric(prefix + "max_ms", maxMs());
    }

    public String describe() {
        return String.format("p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms", ms(0.50), ms(0.90), ms(0.99), maxMs());
    }
}
