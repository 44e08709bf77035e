package io.countersign.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A Countersign node as a process of its own (`serve`), so a test can kill it with SIGKILL. */
final class NodeProcess {
    private NodeProcess() {
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Starts {@code serve --config directory --port port} plus {@code options}, its output in {@code log}. */
    static Process start(Path directory, int port, Path log, String... options) throws IOException {
        return startUnder(List.of(), directory, port, log, options);
    }

    /** As {@link #start}, the JVM started by {@code wrapper} (e.g. {@code prlimit --fsize=…} for a full disk). */
    static Process startUnder(List<String> wrapper, Path directory, int port, Path log, String... options) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(java, "-cp", classpath, Main.class.getName(), "serve", "--config", directory.toString(),
                "--port", Integer.toString(port)));
        command.addAll(List.of(options));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits up to a minute for {@code /healthz} to answer 200; fails with the node's output otherwise. */
    static void awaitHealthy(HttpClient http, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the node on port " + port + " did not start: " + Files.readString(log));
    }
}
