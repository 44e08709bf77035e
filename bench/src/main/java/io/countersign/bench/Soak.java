package io.countersign.bench;

import io.countersign.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * A bounded soak: mixed traffic against one node for a few minutes, on loopback, as agents and reviewers
 * make it. Each client, in a loop: submits an allowed read (and reports its outcome with the grant), or
 * a held change that a reviewer then approves or denies, or one it cancels, or waits on, or reads its
 * inbox. Every answer's status is counted; anything but the statuses these calls should get is an error.
 * The node's memory (RSS, and heap after a full GC) is sampled all along; at the end the whole audit log
 * is verified against the node's signed checkpoint.
 * Usage: Soak WORKDIR COUNTERSIGN_BIN JCMD [seconds] [clients]
 */
public final class Soak {
    private static final int PORT = 18475;

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        String countersign = args[1];
        String jcmd = args[2];
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 180;
        int clients = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (BenchNode node = BenchNode.start(countersign, work, PORT, http)) {
            Map<String, LongAdder> answers = new ConcurrentHashMap<>();
            Map<String, LongAdder> unexpected = new ConcurrentHashMap<>();
            LongAdder operations = new LongAdder();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                Traffic traffic = new Traffic(http, node, c, answers, unexpected);
                threads.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        traffic.next();
                        operations.increment();
                    }
                }));
            }
            List<NodeMemory> samples = new ArrayList<>();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long lastOperations = 0;
            System.out.println("second | operations/s | node RSS | heap after GC");
            for (int second = 0; System.nanoTime() < end; second += 15) {
                Thread.sleep(15_000);
                NodeMemory memory = NodeMemory.of(node.pid(), jcmd);
                samples.add(memory);
                long now = operations.sum();
                System.out.printf("%6d | %12.0f | %5d MiB | %5d MiB%n", second + 15, (now - lastOperations) / 15.0, memory.rssMiB(), memory.heapMiB());
                lastOperations = now;
            }
            running.set(false);
            for (Thread thread : threads) {
                thread.join();
            }
            boolean verified = verify(countersign, node);
            long errors = unexpected.values().stream().mapToLong(LongAdder::sum).sum();
            NodeMemory first = samples.get(Math.min(1, samples.size() - 1)); // after the first quarter minute of warm-up
            NodeMemory last = samples.getLast();
            System.out.println("answers: " + new java.util.TreeMap<>(answers));
            System.out.println("unexpected: " + (unexpected.isEmpty() ? "none" : new java.util.TreeMap<>(unexpected)));
            System.out.printf("heap after GC: %d MiB at 30 s, %d MiB at the end; RSS %d -> %d MiB; audit log verified: %s%n",
                    first.heapMiB(), last.heapMiB(), first.rssMiB(), last.rssMiB(), verified);
            BenchResult.of("soak", seconds + " s of mixed traffic, " + clients + " clients").metric("seconds", seconds).metric("clients", clients)
                    .metric("operations", operations.sum()).metric("operations_per_s", operations.sum() / (double) seconds)
                    .metric("unexpected_answers", errors).metric("heap_mib_at_30s", first.heapMiB()).metric("heap_mib_at_end", last.heapMiB())
                    .metric("rss_mib_at_30s", first.rssMiB()).metric("rss_mib_at_end", last.rssMiB())
                    .note("log_verified", String.valueOf(verified)).print();
            if (errors > 0 || !verified) {
                System.exit(1);
            }
        }
        System.exit(0);
    }

    /** {@code countersign audit verify} against the node, as an auditor runs it. */
    private static boolean verify(String countersign, BenchNode node) throws Exception {
        String key = new String(new ProcessBuilder(countersign, "audit", "key", "--config", node.config.toString())
                .start().getInputStream().readAllBytes()).strip();
        Process verify = new ProcessBuilder(countersign, "audit", "verify", "--key", key, "--server", node.base.toString(),
                "--token", node.key("alice")).redirectErrorStream(true).start();
        String out = new String(verify.getInputStream().readAllBytes());
        System.out.print(out);
        return verify.waitFor() == 0;
    }

    /** One client's mix of calls. */
    private static final class Traffic {
        private final HttpClient http;
        private final BenchNode node;
        private final int client;
        private final Map<String, LongAdder> answers;
        private final Map<String, LongAdder> unexpected;
        private final SplittableRandom random;
        private long n;

        Traffic(HttpClient http, BenchNode node, int client, Map<String, LongAdder> answers, Map<String, LongAdder> unexpected) {
            this.http = http;
            this.node = node;
            this.client = client;
            this.answers = answers;
            this.unexpected = unexpected;
            this.random = new SplittableRandom(client);
        }

        void next() {
            n++;
            int pick = random.nextInt(100);
            try {
                if (pick < 60) {
                    JsonNode allowed = call("submit allowed", "agent", "POST", "/v1/actions", request("db.read", "dev"), 200);
                    if (allowed != null) {
                        call("report outcome", "agent", "POST", "/v1/actions/" + allowed.path("id").asString() + "/outcome",
                                "{\"grant\": \"" + allowed.path("grant").path("token").asString() + "\", \"status\": \"succeeded\"}", 200);
                    }
                } else if (pick < 85) {
                    JsonNode held = call("submit held", "agent", "POST", "/v1/actions", request("db.migrate", "prod"), 202);
                    if (held != null) {
                        String decision = pick < 80 ? "approve" : "deny";
                        call("review", "alice", "POST", "/v1/actions/" + held.path("id").asString() + "/reviews",
                                "{\"decision\": \"" + decision + "\", \"comment\": \"soak\"}", 200);
                    }
                } else if (pick < 92) {
                    JsonNode held = call("submit held", "agent", "POST", "/v1/actions", request("db.migrate", "prod"), 202);
                    if (held != null) {
                        call("wait", "agent", "GET", "/v1/actions/" + held.path("id").asString() + "?wait=1s", null, 200);
                        call("cancel", "agent", "POST", "/v1/actions/" + held.path("id").asString() + "/cancel", "{}", 200);
                    }
                } else {
                    call("inbox", "alice", "GET", "/v1/actions?status=pending&limit=20", null, 200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private String request(String action, String env) {
            return """
                    {"action": "%s", "resource": {"type": "postgres.table", "id": "soak/t-%d", "env": "%s"},
                     "intent": {"summary": "soak %d/%d"}, "payload": {"client": %d, "n": %d}}""".formatted(action, client, env, client, n, client, n);
        }

        /** @return the answer's body when it had the expected status, else null (counted as unexpected) */
        private JsonNode call(String what, String who, String method, String path, String body, int expected) throws InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + node.key(who));
            request = body == null ? request.GET() : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            try {
                HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                answers.computeIfAbsent(what + " " + answer.statusCode(), k -> new LongAdder()).increment();
                if (answer.statusCode() != expected) {
                    unexpected.computeIfAbsent(what + " " + answer.statusCode(), k -> new LongAdder()).increment();
                    return null;
                }
                return Json.parse(answer.body());
            } catch (java.io.IOException e) {
                unexpected.computeIfAbsent(what + " " + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                return null;
            }
        }
    }
}
