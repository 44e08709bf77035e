package io.countersign.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import io.countersign.server.ConfigDirectory;
import java.util.concurrent.TimeUnit;

/**
 * A node run as users run it ({@code bin/countersign serve}, a process of its own, so its memory is its
 * own), on the example configuration with the per-principal limits lifted: the load comes from one agent.
 */
final class BenchNode implements AutoCloseable {
    final URI base;
    final Path config;
    /** The demo principals' keys, read once: the load asks for them on every request. */
    private final java.util.Map<String, String> keys = new java.util.concurrent.ConcurrentHashMap<>();
    private final Process process;

    private BenchNode(Process process, URI base, Path config) {
        this.process = process;
        this.base = base;
        this.config = config;
    }

    /** Starts a node on {@code port} with its configuration in {@code work/config} and its output in {@code work/node.log}. */
    static BenchNode start(String countersign, Path work, int port, HttpClient http) throws Exception {
        Path config = work.resolve("config");
        BenchConfig.unlimited(config);
        // A node left from an earlier run would answer in this one's place, with keys nobody here holds.
        try (var probe = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            probe.setReuseAddress(true);
        } catch (IOException inUse) {
            throw new IllegalStateException("port " + port + " is in use: is a node from an earlier run still running?", inUse);
        }
        Process process = new ProcessBuilder(countersign, "serve", "--config", config.toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(work.resolve("node.log").toFile()).start();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            awaitHealthy(http, base);
            return new BenchNode(process, base, config);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    /** A demo principal's API key ({@code agent}, {@code alice}, …) from the {@code demo-keys.env} the node wrote. */
    String key(String who) {
        return keys.computeIfAbsent(who, w -> ConfigDirectory.demoKey(config, "COUNTERSIGN_" + w.toUpperCase(java.util.Locale.ROOT) + "_KEY"));
    }

    private static void awaitHealthy(HttpClient http, URI base) throws InterruptedException {
        for (int i = 0; i < 240; i++) {
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the node is still starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the node did not become healthy; see node.log");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
