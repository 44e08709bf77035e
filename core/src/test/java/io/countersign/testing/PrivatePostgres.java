package io.countersign.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of one test's own (initdb into a fresh directory, on a free port, trust auth), so
 * that the test can stop and restart it under load without touching the shared server other tests use.
 * PostgreSQL refuses to run as root, so as root the server runs as the {@code postgres} user.
 */
public final class PrivatePostgres implements AutoCloseable {
    private final Path bin;
    private final Path directory;
    private final Path data;
    private final int port;

    public PrivatePostgres() throws IOException, InterruptedException {
        this.bin = binaries();
        this.directory = Files.createTempDirectory("countersign-postgres-");
        this.data = directory.resolve("data");
        try (ServerSocket socket = new ServerSocket(0)) {
            this.port = socket.getLocalPort();
        }
        if (root()) {
            run(List.of("chown", "postgres", directory.toString()));
        }
        run(asServerUser(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust", "--no-instructions"));
        start();
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres}, user {@code postgres}, no password. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public void start() throws IOException, InterruptedException {
        run(asServerUser(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", directory.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -k " + directory + " -c listen_addresses=127.0.0.1", "start"));
    }

    /** Stops the server as an operator's restart does: open sessions are cut off ({@code -m fast}). */
    public void stop() throws IOException, InterruptedException {
        run(asServerUser(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-t", "60", "-m", "fast", "stop"));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            run(asServerUser(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-w", "-m", "immediate", "stop"));
        } catch (IllegalStateException alreadyStopped) {
            // nothing to stop
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /** The newest installed server's programs (Debian keeps them under /usr/lib/postgresql/VERSION/bin). */
    private static Path binaries() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/pg_ctl")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D", "0"))))
                    .map(v -> v.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server programs under /usr/lib/postgresql"));
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static List<String> asServerUser(String... command) {
        List<String> full = new ArrayList<>();
        if (root()) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
