package io.countersign.bench;

import io.countersign.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the results table of one {@code bench/run.sh} run, as markdown and as JSON, from the
 * {@code RESULT} rows the harnesses printed and JMH's JSON for the policy engines. Every figure comes from
 * this run; sections whose benchmark did not run say so instead of showing old numbers.
 * Usage: ResultsReport RESULTS_JSONL JMH_JSON MACHINE_JSON OUT_DIR
 */
public final class ResultsReport {
    public static void main(String[] args) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        Path lines = Path.of(args[0]);
        if (Files.exists(lines)) {
            for (String line : Files.readAllLines(lines)) {
                if (!line.isBlank()) {
                    rows.add(Json.parse(line));
                }
            }
        }
        Path jmh = Path.of(args[1]);
        JsonNode policy = Files.exists(jmh) && Files.size(jmh) > 0 ? Json.parse(Files.readAllBytes(jmh)) : Json.array();
        JsonNode machine = Json.parse(Files.readAllBytes(Path.of(args[2])));
        Path out = Files.createDirectories(Path.of(args[3]));

        ObjectNode json = Json.object();
        json.set("machine", machine);
        json.set("policy_engines", policyRows(policy));
        ArrayNode all = json.putArray("results");
        rows.forEach(all::add);
        Files.write(out.resolve("results.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json));
        Files.writeString(out.resolve("results.md"), markdown(machine, (ArrayNode) json.get("policy_engines"), rows));
        System.out.println(Files.readString(out.resolve("results.md")));
    }

    /** One row per engine and rule count: decisions/s from the throughput run, p50/p99 from the sampled run. */
    static ArrayNode policyRows(JsonNode jmh) {
        Map<String, ObjectNode> byKey = new LinkedHashMap<>();
        for (JsonNode run : jmh) {
            String engine = run.path("params").path("engine").asString();
            String rules = run.path("params").path("rules").asString();
            ObjectNode row = byKey.computeIfAbsent(rules + "/" + engine, key -> {
                ObjectNode created = Json.object();
                created.put("engine", engine);
                created.put("rules", Integer.parseInt(rules));
                return created;
            });
            JsonNode metric = run.path("primaryMetric");
            if (run.path("mode").asString().equals("thrpt")) {
                row.put("decisions_per_s", metric.path("score").asDouble());
            } else if (run.path("mode").asString().equals("sample")) {
                row.put("p50_us", metric.path("scorePercentiles").path("50.0").asDouble());
                row.put("p99_us", metric.path("scorePercentiles").path("99.0").asDouble());
            }
        }
        ArrayNode rows = Json.array();
        byKey.values().forEach(rows::add);
        return rows;
    }

    static String markdown(JsonNode machine, ArrayNode engines, List<JsonNode> rows) {
        StringBuilder md = new StringBuilder("# Countersign benchmark results\n\n");
        md.append("Run ").append(machine.path("date").asString()).append(" with `bench/run.sh").append(machine.path("arguments").asString())
                .append("`.\n\n| machine | |\n|---|---|\n");
        for (var field : machine.properties()) {
            if (!field.getKey().equals("date") && !field.getKey().equals("arguments")) {
                md.append("| ").append(field.getKey().replace('_', ' ')).append(" | ").append(field.getValue().asString()).append(" |\n");
            }
        }
        md.append("\nLoad generators and servers share the same cores: server figures are a floor for a dedicated machine.\n");

        md.append("\n## Policy evaluation: Countersign (CEL) and Cedar, the same rules\n\n");
        if (engines.isEmpty()) {
            md.append("Not run.\n");
        } else {
            md.append("One thread, 1,024 requests cycled; both engines decided every request the same before measuring. "
                    + "Each call builds the engine's input from the request.\n\n"
                    + "| rules | engine | decisions/s | p50 | p99 | Countersign / Cedar |\n|---|---|---|---|---|---|\n");
            for (JsonNode row : engines) {
                double ours = engines.valueStream().filter(r -> r.path("rules").asInt() == row.path("rules").asInt()
                        && r.path("engine").asString().equals("countersign")).mapToDouble(r -> r.path("decisions_per_s").asDouble()).findFirst().orElse(0);
                String ratio = row.path("engine").asString().equals("cedar") && row.path("decisions_per_s").asDouble() > 0
                        ? String.format(Locale.ROOT, "%.1f×", ours / row.path("decisions_per_s").asDouble()) : "";
                md.append(String.format(Locale.ROOT, "| %d | %s | %s | %.1f µs | %.1f µs | %s |%n", row.path("rules").asInt(),
                        row.path("engine").asString().equals("cedar") ? "Cedar (cedar-java 4.10.0, JNI)" : "Countersign (CEL 0.14.0)",
                        count(row.path("decisions_per_s").asDouble()), row.path("p50_us").asDouble(), row.path("p99_us").asDouble(), ratio));
            }
        }

        md.append("\n## Audit append: durable rate against the disk and the CPU\n\n");
        List<JsonNode> audit = section(rows, "audit");
        if (audit.isEmpty()) {
            md.append("Not run.\n");
        } else {
            md.append("Each call returns once its two entries are committed (group commit, fsync per batch). The disk limit writes "
                    + "the same bytes in the same batch sizes to a plain file with one fsync per batch; the SHA-256 limit is RFC 6962 "
                    + "hashing alone (a leaf and an interior node per entry) on one core.\n\n"
                    + "| store | entries/s | per commit | disk limit | of disk | SHA-256 limit | of SHA-256 |\n|---|---|---|---|---|---|---|\n");
            for (JsonNode row : audit) {
                JsonNode m = row.path("metrics");
                md.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %s | %.0f%% | %s | %.1f%% |%n", row.path("name").asString(),
                        count(m.path("entries_per_s").asDouble()), m.path("entries_per_commit").asDouble(),
                        count(m.path("disk_limit_entries_per_s").asDouble()), 100 * m.path("ratio_to_disk").asDouble(),
                        count(m.path("sha256_limit_entries_per_s").asDouble()), 100 * m.path("ratio_to_sha256").asDouble()));
            }
        }

        md.append("\n## End to end over HTTP\n\n");
        List<JsonNode> endToEnd = section(rows, "end_to_end");
        List<JsonNode> mcp = section(rows, "mcp");
        List<JsonNode> gateways = section(rows, "gateways");
        if (endToEnd.isEmpty() && mcp.isEmpty() && gateways.isEmpty()) {
            md.append("Not run.\n");
        } else {
            md.append("| what | throughput | p50 | p90 | p99 |\n|---|---|---|---|---|\n");
            for (JsonNode row : endToEnd) {
                JsonNode m = row.path("metrics");
                if (m.has("decisions_per_s")) {
                    md.append(String.format(Locale.ROOT, "| %s (wrk, durable audit) | %s decisions/s | %s | %s | %s |%n", row.path("name").asString(),
                            count(m.path("decisions_per_s").asDouble()), m.path("p50").asString(), m.path("p90").asString(), m.path("p99").asString()));
                } else {
                    md.append(String.format(Locale.ROOT, "| %s (%d requests, one at a time; fake Slack on loopback) | | %.1f ms | %.1f ms | %.1f ms |%n",
                            row.path("name").asString(), m.path("requests").asInt(), m.path("p50_ms").asDouble(), m.path("p90_ms").asDouble(), m.path("p99_ms").asDouble()));
                }
            }
            for (JsonNode row : mcp) {
                JsonNode m = row.path("metrics");
                md.append(String.format(Locale.ROOT, "| MCP gateway: added to an allowed tools/call (through minus direct, %d calls) | | +%.2f ms | | +%.2f ms |%n",
                        m.path("calls").asInt(), m.path("added_p50_ms").asDouble(), m.path("added_p99_ms").asDouble()));
                if (m.has("relay_added_p50_ms")) {
                    md.append(String.format(Locale.ROOT, "| the same through a relay process that does nothing (the floor for any gateway in its own process) | | +%.2f ms | | +%.2f ms |%n",
                            m.path("relay_added_p50_ms").asDouble(), m.path("relay_added_p99_ms").asDouble()));
                }
                if (m.has("durable_relay_added_p50_ms")) {
                    md.append(String.format(Locale.ROOT, "| the same relay writing 4 KiB + fdatasync before each call (the floor for any gateway that logs a call durably before it runs) | | +%.2f ms | | +%.2f ms |%n",
                            m.path("durable_relay_added_p50_ms").asDouble(), m.path("durable_relay_added_p99_ms").asDouble()));
                }
                if (m.has("fdatasync_p50_ms")) {
                    md.append(String.format(Locale.ROOT, "| the disk alone: one 4 KiB write + fdatasync, as each allowed call's commit needs (same run) | | %.2f ms | %.2f ms | %.2f ms |%n",
                            m.path("fdatasync_p50_ms").asDouble(), m.path("fdatasync_p90_ms").asDouble(), m.path("fdatasync_p99_ms").asDouble()));
                }
                if (m.has("fdatasync_spaced_p50_ms")) {
                    md.append(String.format(Locale.ROOT, "| the same, 1 ms apart, as a lone client's commits come (same run) | | %.2f ms | %.2f ms | %.2f ms |%n",
                            m.path("fdatasync_spaced_p50_ms").asDouble(), m.path("fdatasync_spaced_p90_ms").asDouble(), m.path("fdatasync_spaced_p99_ms").asDouble()));
                }
            }
            for (JsonNode row : gateways) {
                JsonNode m = row.path("metrics");
                md.append(String.format(Locale.ROOT, "| AWS gateway: added to an allowed IAM GetRole (through /aws/ minus straight to the fake AWS, %d calls) | | +%.2f ms | | +%.2f ms |%n",
                        m.path("calls").asInt(), m.path("aws_added_p50_ms").asDouble(), m.path("aws_added_p99_ms").asDouble()));
                md.append(String.format(Locale.ROOT, "| Kubernetes admission: added to an admitted update (Countersign minus a webhook that admits at once, %d reviews) | | +%.2f ms | | +%.2f ms |%n",
                        m.path("calls").asInt(), m.path("k8s_added_p50_ms").asDouble(), m.path("k8s_added_p99_ms").asDouble()));
            }
        }

        md.append("\n## Waiting capacity: long-polls one node holds\n\n");
        List<JsonNode> waiting = section(rows, "waiting");
        if (waiting.isEmpty()) {
            md.append("Not run.\n");
        } else {
            md.append("One long-poll (`GET /v1/actions/{id}?wait=60s`) per pending action, from another process; the node's resident memory "
                    + "and its heap after a full GC.\n\n| waiters | ended early | node RSS | RSS added | heap after GC | RSS per waiter |\n|---|---|---|---|---|---|\n");
            for (JsonNode row : waiting) {
                JsonNode m = row.path("metrics");
                if (m.has("waiters")) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %d MiB | +%d MiB | %d MiB | %.1f KiB |%n", count(m.path("waiters").asDouble()),
                            m.path("ended_early").asInt(), m.path("rss_mib").asInt(), m.path("rss_added_mib").asInt(),
                            m.path("heap_after_gc_mib").asInt(), m.path("rss_kib_per_waiter").asDouble()));
                }
            }
            for (JsonNode row : waiting) {
                JsonNode m = row.path("metrics");
                if (m.has("sampled")) {
                    md.append(String.format(Locale.ROOT, "%nThen %d of the actions were approved one by one: approve to its waiter answering p50 %.1f ms, "
                                    + "p99 %.1f ms; %d other waiters were still waiting.%n", m.path("sampled").asInt(), m.path("p50_ms").asDouble(),
                            m.path("p99_ms").asDouble(), m.path("still_waiting").asInt()));
                }
            }
        }

        for (JsonNode row : section(rows, "soak")) {
            JsonNode m = row.path("metrics");
            md.append(String.format(Locale.ROOT, "%n## Soak: %s%n%n| operations | per second | unexpected answers | heap after GC (30 s → end) "
                            + "| RSS (30 s → end) | audit log verified |%n|---|---|---|---|---|---|%n| %s | %s | %d | %d → %d MiB | %d → %d MiB | %s |%n",
                    row.path("name").asString(), count(m.path("operations").asDouble()), count(m.path("operations_per_s").asDouble()),
                    m.path("unexpected_answers").asLong(), m.path("heap_mib_at_30s").asLong(), m.path("heap_mib_at_end").asLong(),
                    m.path("rss_mib_at_30s").asLong(), m.path("rss_mib_at_end").asLong(), m.path("log_verified").asString()));
        }

        List<JsonNode> cluster = section(rows, "cluster");
        if (!cluster.isEmpty()) {
            md.append("\n## Several nodes (allowed decisions, wrk per node)\n\n| store | nodes | decisions/s | p50 per node | p99 per node | errors |\n|---|---|---|---|---|---|\n");
            for (JsonNode row : cluster) {
                JsonNode m = row.path("metrics");
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %d |%n", m.path("store").asString(), m.path("nodes").asInt(),
                        count(m.path("decisions_per_s").asDouble()), m.path("p50_per_node").asString(), m.path("p99_per_node").asString(), m.path("errors").asInt()));
            }
        }
        return md.toString();
    }

    private static List<JsonNode> section(List<JsonNode> rows, String section) {
        return rows.stream().filter(row -> row.path("section").asString().equals(section)).toList();
    }

    /** 12,345 — figures read as people read them. */
    private static String count(double value) {
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
