package io.countersign.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A node run as users run it ({@code bin/countersign serve}, a process of its own, so its memory is its
 * own), on the example configuration with the per-principal limits lifted: the load comes from one agent.
 */
final class BenchNode implements AutoCloseable {
    final URI base;
    final Path config;
    final Map<String, String> keys;
    private final Process process;

    private BenchNode(Process process, URI base, Path config, Map<String, String> keys) {
        this.process = process;
        this.base = base;
        this.config = config;
        this.keys = keys;
    }

    /** Starts a node on {@code port} with its configuration in {@code work/config} and its output in {@code work/node.log}. */
    static BenchNode start(String countersign, Path work, int port, HttpClient http) throws Exception {
        Path config = work.resolve("config");
        BenchConfig.unlimited(config);
        Process process = new ProcessBuilder(countersign, "serve", "--config", config.toString(), "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(work.resolve("node.log").toFile()).start();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            awaitHealthy(http, base);
            return new BenchNode(process, base, config, DemoKeys.read(config));
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    String key(String who) {
        return keys.get("COUNTERSIGN_" + who.toUpperCase() + "_KEY");
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
