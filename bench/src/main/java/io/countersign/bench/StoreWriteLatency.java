package io.countersign.bench;

import io.countersign.json.Json;
import io.countersign.lifecycle.Lifecycle;
import io.countersign.lifecycle.Requester;
import io.countersign.json.ActionDigest;
import io.countersign.model.ActionId;
import io.countersign.model.ActionRequest;
import io.countersign.model.Intent;
import io.countersign.model.Principal;
import io.countersign.model.Resource;
import io.countersign.policy.Allow;
import io.countersign.policy.PolicyVersion;
import io.countersign.storage.Storage;
import io.countersign.store.sqlite.SqliteStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the node's store takes for one allowed decision at a time, as an agent's calls come: the action and
 * its two audit entries written and committed (SQLite, WAL, fsync) in a store of its own, on one thread.
 * Between the disk's bare write + fdatasync and the whole gateway call, this is the part that is the
 * store's: its statements, the pages it writes, and what SQLite does besides.
 */
public final class StoreWriteLatency {
    /** Percentiles of the writes (the store's insert alone), and the thread's CPU per write, building the action included. */
    public record Measured(Percentiles latency, double cpuMicrosPerWrite) {
    }

    private static final Principal AGENT = new Principal("bench-agent", Principal.Kind.AGENT, "Benchmark agent", null, Set.of(), "carol");

    private StoreWriteLatency() {
    }

    /** Usage: StoreWriteLatency DIR [warm-up writes] [measured writes] */
    public static void main(String[] args) throws Exception {
        Path directory = Files.createDirectories(Path.of(args[0]));
        Measured measured = measure(directory, args.length > 1 ? Integer.parseInt(args[1]) : 10_000, args.length > 2 ? Integer.parseInt(args[2]) : 10_000);
        System.out.printf("store: one decision at a time  %s  (CPU %.0f µs a write)%n", measured.latency().describe(), measured.cpuMicrosPerWrite());
        System.exit(0);
    }

    /** {@code warmUp} writes, then {@code count} measured ones, into a new store in {@code directory}. */
    public static Measured measure(Path directory, int warmUp, int count) throws Exception {
        Path dir = Files.createTempDirectory(directory, "store-write");
        Storage store = SqliteStore.open(dir.resolve("countersign.db"));
        try {
            var threads = ManagementFactory.getThreadMXBean();
            long[] nanos = new long[count];
            long cpuAtStart = 0;
            for (int i = 0; i < warmUp + count; i++) {
                if (i == warmUp) {
                    cpuAtStart = threads.getCurrentThreadCpuTime();
                }
                // An MCP tools/call as the gateway submits it: small arguments, the tool's hints as labels.
                ActionRequest request = new ActionRequest("mcp.echo.echo",
                        new Resource("mcp.tool", "echo/echo", null, Map.of("server", "echo", "read_only", "true")),
                        new Intent("tools/call echo", null, null), Json.parse("{\"message\":\"call " + i + "\"}"), null, null);
                Instant now = Instant.now();
                Lifecycle.Started started = Lifecycle.start(ActionId.newId(now), Requester.of(AGENT, request), request,
                        ActionDigest.of(request), new Allow(List.of("reads-allowed"), List.of("soc2:CC8.1"), new PolicyVersion("sha256:bench")), now);
                long start = System.nanoTime();
                store.insert(started.record(), started.events());
                if (i >= warmUp) {
                    nanos[i - warmUp] = System.nanoTime() - start;
                }
            }
            double cpu = (threads.getCurrentThreadCpuTime() - cpuAtStart) / 1_000.0 / count;
            return new Measured(Percentiles.of(nanos), cpu);
        } finally {
            store.close();
        }
    }
}
