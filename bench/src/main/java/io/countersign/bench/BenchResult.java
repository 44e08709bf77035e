package io.countersign.bench;

import io.countersign.json.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * One measured row, printed as a {@code RESULT {json}} line that {@code bench/run.sh} collects and
 * {@link ResultsReport} turns into the results table. Harnesses keep their human-readable output too.
 */
public final class BenchResult {
    private final ObjectNode row = Json.object();
    private final ObjectNode metrics = row.putObject("metrics");

    private BenchResult(String section, String name) {
        row.put("section", section);
        row.put("name", name);
    }

    public static BenchResult of(String section, String name) {
        return new BenchResult(section, name);
    }

    public BenchResult metric(String key, double value) {
        metrics.put(key, value);
        return this;
    }

    public BenchResult metric(String key, long value) {
        metrics.put(key, value);
        return this;
    }

    public BenchResult note(String key, String value) {
        metrics.put(key, value);
        return this;
    }

    public void print() {
        System.out.println("RESULT " + Json.text(row));
        System.out.flush();
    }
}
