package io.countersign.bench;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The MCP gateway's added latency, side by side in one run: the same allowed {@code tools/call} (an
 * echo tool of a TypeScript SDK server) made directly to the upstream, through a relay process that does
 * nothing (the floor for any gateway in a process of its own), through the same relay writing 4 KiB and
 * waiting for fdatasync before each call (the floor for any gateway that puts a call in a durable log
 * before it runs), and through {@code countersign mcp}, interleaved call by call. Node and gateway run
 * as users run them, each a process of its own started by {@code bin/countersign} ({@code serve} on
 * SQLite with its durable audit log, and {@code mcp}).
 * Usage: McpLatency WORKDIR UPSTREAM_SCRIPT COUNTERSIGN RELAY_SCRIPT [calls] [warm-up calls]
 */
public final class McpLatency {
    static final int WARM_UP = 15_000;
    /** The processes a run starts, told apart by their command lines (the upstreams are four of the same). */
    static final List<Map.Entry<String, String>> PROCESS_NAMES = List.of(Map.entry(" mcp ", "gateway"), Map.entry(" serve ", "node"),
            Map.entry("--durable", "durable relay"), Map.entry("relay.mjs", "relay"), Map.entry("faulty-server", "upstreams (4)"));

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        String upstream = Path.of(args[1]).toAbsolutePath().toString();
        String countersign = Path.of(args[2]).toAbsolutePath().toString();
        String relayScript = Path.of(args[3]).toAbsolutePath().toString();
        int calls = args.length > 4 ? Integer.parseInt(args[4]) : 5000;
        int warmUp = args.length > 5 ? Integer.parseInt(args[5]) : WARM_UP;

        Path config = work.resolve("config");
        BenchConfig.unlimited(config);
        Files.writeString(config.resolve("policies/mcp.yaml"), """
                version: 1
                rules:
                  - id: mcp-reads
                    when: action.startsWith("mcp.") && resource.labels.read_only == "true"
                    effect: allow
                """);
        // The gateway's calls are to tools the inventory knows, in env dev (unknown resources are held for review).
        Files.writeString(config.resolve("resources.yaml"), Files.readString(config.resolve("resources.yaml"))
                + "  - {type: mcp.tool, id: \"*\", env: dev}\n");
        try (BenchNode node = BenchNode.start(countersign, work, freePort(), HttpClient.newHttpClient())) {
            Path settings = work.resolve("mcp.yaml");
            // What the tool is, as the gateway's operator says (an upstream's own annotations are only claims).
            Files.writeString(settings, "env: dev\nservers:\n  up:\n    command: [node, " + upstream + "]\n"
                    + "    tools:\n      echo: {labels: {read_only: \"true\"}}\n");
            try (McpSyncClient direct = client(ServerParameters.builder("node").args(upstream).build());
                 McpSyncClient relay = client(ServerParameters.builder("node").args(relayScript, "node", upstream).build());
                 McpSyncClient durableRelay = client(ServerParameters.builder("node")
                         .args(relayScript, "--durable", work.resolve("relay.log").toString(), "node", upstream).build());
                 McpSyncClient gateway = client(ServerParameters.builder(countersign).args("mcp",
                         "--config", settings.toString(), "--server", node.base.toString(), "--token", node.key("agent")).build())) {
                McpSchema.CallToolRequest echo = McpSchema.CallToolRequest.builder("echo").arguments(Map.of("text", "ping")).build();
                // Warm-up: three JVMs (this one, the node, the gateway) JIT-compile for over a minute here;
                // after 500 calls the node still spent 30% of its CPU in C2, after 15,000 (about 75 s)
                // its compiler threads were idle. Measured is the steady state of a gateway that has run a while.
                for (int i = 0; i < warmUp; i++) {
                    check(direct.callTool(echo));
                    check(relay.callTool(echo));
                    check(durableRelay.callTool(echo));
                    check(gateway.callTool(echo));
                }
                ProcessCpu cpuBefore = ProcessCpu.read(PROCESS_NAMES);
                long[] directNanos = new long[calls];
                long[] relayNanos = new long[calls];
                long[] durableNanos = new long[calls];
                long[] gatewayNanos = new long[calls];
                for (int i = 0; i < calls; i++) {
                    long t0 = System.nanoTime();
                    check(direct.callTool(echo));
                    long t1 = System.nanoTime();
                    check(relay.callTool(echo));
                    long t2 = System.nanoTime();
                    check(durableRelay.callTool(echo));
                    long t3 = System.nanoTime();
                    check(gateway.callTool(echo));
                    long t4 = System.nanoTime();
                    directNanos[i] = t1 - t0;
                    relayNanos[i] = t2 - t1;
                    durableNanos[i] = t3 - t2;
                    gatewayNanos[i] = t4 - t3;
                }
                Map<String, Double> cpuPerCall = ProcessCpu.read(PROCESS_NAMES).microsPerCallSince(cpuBefore, calls);
                Percentiles directly = Percentiles.of(directNanos);
                Percentiles relayed = Percentiles.of(relayNanos);
                Percentiles logged = Percentiles.of(durableNanos);
                Percentiles through = Percentiles.of(gatewayNanos);
                System.out.printf("%-26s %s%n", "direct to upstream", directly.describe());
                System.out.printf("%-26s %s%n", "through a relay (no work)", relayed.describe());
                System.out.printf("%-26s %s%n", "through a durable relay", logged.describe());
                System.out.printf("%-26s %s%n", "through countersign mcp", through.describe());
                System.out.printf("added by the relay alone: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n",
                        relayed.ms(0.50) - directly.ms(0.50), relayed.ms(0.90) - directly.ms(0.90), relayed.ms(0.99) - directly.ms(0.99));
                System.out.printf("added by the durable relay (4 KiB + fdatasync a call): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n",
                        logged.ms(0.50) - directly.ms(0.50), logged.ms(0.90) - directly.ms(0.90), logged.ms(0.99) - directly.ms(0.99));
                System.out.printf("added by the gateway: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms (%d calls each, interleaved)%n",
                        through.ms(0.50) - directly.ms(0.50), through.ms(0.90) - directly.ms(0.90),
                        through.ms(0.99) - directly.ms(0.99), calls);
                System.out.println("CPU per round of four calls (one on each path), µs: " + cpuPerCall.entrySet().stream()
                        .map(entry -> String.format("%s %.0f", entry.getKey(), entry.getValue())).collect(java.util.stream.Collectors.joining(", ")));
                // Every allowed call waits for one durable commit; this is what the disk alone takes for one,
                // back to back and, as the calls above come, after a pause of about one call.
                Percentiles sync = SyncLatency.measure(config, 3000);
                Percentiles spaced = SyncLatency.measure(config, 3000, Duration.ofMillis(1));
                System.out.printf("%-26s %s%n", "disk: write + fdatasync", sync.describe());
                System.out.printf("%-26s %s%n", "  the same, 1 ms apart", spaced.describe());
                // And what the store takes for one decision at a time, in this process, with nothing else running.
                StoreWriteLatency.Measured store = StoreWriteLatency.measure(config, 10_000, 10_000);
                System.out.printf("%-26s %s  (CPU %.0f µs a write)%n", "store: one decision", store.latency().describe(), store.cpuMicrosPerWrite());
                BenchResult result = BenchResult.of("mcp", "allowed tools/call, " + calls + " calls each, interleaved").metric("calls", calls);
                cpuPerCall.forEach((name, micros) -> result.metric("cpu_us_" + name.replaceAll("\\W+", "_"), micros));
                directly.addTo(result, "direct_");
                relayed.addTo(result, "relay_");
                logged.addTo(result, "durable_relay_");
                through.addTo(result, "gateway_");
                sync.addTo(result, "fdatasync_");
                spaced.addTo(result, "fdatasync_spaced_");
                store.latency().addTo(result, "store_write_").metric("store_write_cpu_us", store.cpuMicrosPerWrite());
                result.metric("relay_added_p50_ms", relayed.ms(0.50) - directly.ms(0.50))
                        .metric("relay_added_p99_ms", relayed.ms(0.99) - directly.ms(0.99))
                        .metric("durable_relay_added_p50_ms", logged.ms(0.50) - directly.ms(0.50))
                        .metric("durable_relay_added_p99_ms", logged.ms(0.99) - directly.ms(0.99))
                        .metric("added_p50_ms", through.ms(0.50) - directly.ms(0.50))
                        .metric("added_p99_ms", through.ms(0.99) - directly.ms(0.99)).print();
            }
        }
        System.exit(0);
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static McpSyncClient client(ServerParameters parameters) {
        McpSyncClient client = McpClient.sync(new StdioClientTransport(parameters, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
    }

    private static void check(McpSchema.CallToolResult result) {
        if (Boolean.TRUE.equals(result.isError())) {
            throw new IllegalStateException("the call failed: " + result.content());
        }
    }
}
