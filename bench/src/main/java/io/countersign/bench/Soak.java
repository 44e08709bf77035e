package io.countersign.bench;

import com.sun.net.httpserver.HttpServer;
import io.countersign.identity.ApiKeys;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.databind.JsonNode;

/**
 * A bounded soak: mixed traffic against one node for a few minutes, on loopback, as agents and reviewers
 * make it; for its second half a hostile agent runs beside the honest ones. Each honest client, in a
 * loop: submits an allowed read (and reports its outcome with the grant), or a held change (with a
 * callback URL) that a reviewer then approves or denies, or one it cancels, or waits on, or reads its
 * inbox. The hostile agent, a principal of its own, polls ids that do not exist, replays grants already
 * used, and submits held changes whose callbacks go to an endpoint that answers
 * {@code 503 Retry-After: 999999} or never answers at all. Each half reports the honest traffic's rate,
 * latency, callback delivery time and the node's heap after a full GC; any honest answer but the
 * expected one is an error. At the end the whole audit log is verified against the node's checkpoint.
 * Usage: Soak WORKDIR COUNTERSIGN_BIN JCMD [seconds] [clients]
 */
public final class Soak {
    private static final int PORT = 18475;
    private static final String CALLBACK_SECRET = "whsec_c29hay1jYWxsYmFjay1zZWNyZXQtMDEyMzQ1Njc4OQ";

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        String countersign = args[1];
        String jcmd = args[2];
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 180;
        int clients = args.length > 4 ? Integer.parseInt(args[4]) : 16;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (CallbackSink honestSink = CallbackSink.answering(); CallbackSink stallingSink = CallbackSink.stalling()) {
            Path config = work.resolve("config");
            BenchConfig.unlimited(config);
            String hostileKey = ApiKeys.generate();
            addHostileAgent(config, hostileKey);
            allowCallbacks(config, honestSink, stallingSink);
            boolean passed;
            try (BenchNode node = BenchNode.start(countersign, work, PORT, http)) {
                passed = run(node, http, jcmd, seconds, clients, honestSink, stallingSink, hostileKey, countersign);
            }
            // Only once the node is stopped: exiting inside the block would leave it running.
            System.exit(passed ? 0 : 1);
        }
    }

    private static boolean run(BenchNode node, HttpClient http, String jcmd, int seconds, int clients, CallbackSink honestSink,
                            CallbackSink stallingSink, String hostileKey, String countersign) throws Exception {
        Stats honest = new Stats();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Traffic traffic = new Traffic(http, node, c, honest, honestSink);
            threads.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    traffic.next();
                }
            }));
        }
        int half = seconds / 2;
        System.out.println("honest traffic alone for " + half + " s, then beside a hostile agent for " + (seconds - half) + " s");
        Thread.sleep(15_000); // warm-up, not measured
        honest.reset();
        honestSink.delays();
        Thread.sleep((half - 15) * 1000L);
        Phase before = Phase.end("honest alone", honest, half - 15, node, jcmd, honestSink);

        AtomicBoolean hostileRunning = new AtomicBoolean(true);
        Map<String, LongAdder> hostileAnswers = new ConcurrentHashMap<>();
        List<Thread> hostile = new ArrayList<>();
        for (int h = 0; h < 4; h++) {
            Hostile attacker = new Hostile(http, node, hostileKey, h, hostileAnswers, stallingSink);
            hostile.add(Thread.ofVirtual().start(() -> {
                while (hostileRunning.get()) {
                    attacker.next();
                }
            }));
        }
        honest.reset();
        Thread.sleep((seconds - half) * 1000L);
        Phase during = Phase.end("beside the hostile agent", honest, seconds - half, node, jcmd, honestSink);
        hostileRunning.set(false);
        running.set(false);
        for (Thread thread : threads) {
            thread.join();
        }
        for (Thread thread : hostile) {
            thread.join(Duration.ofSeconds(40));
        }

        boolean verified = verify(countersign, node);
        long errors = honest.unexpectedTotal();
        System.out.println("honest answers (last half): " + new TreeMap<>(honest.answers));
        System.out.println("honest unexpected (all along): " + (honest.unexpectedAll.isEmpty() ? "none" : new TreeMap<>(honest.unexpectedAll)));
        System.out.println("hostile answers: " + new TreeMap<>(hostileAnswers));
        System.out.println("callbacks that reached the stalling endpoint: " + stallingSink.received.get());
        System.out.println("phase                    | honest ops/s | HTTP p50 | HTTP p99 | callback p50 | callback p99 | callback max | heap after GC | RSS");
        before.print();
        during.print();
        BenchResult result = BenchResult.of("soak", seconds + " s of mixed traffic, " + clients + " clients, a hostile agent in the second half")
                .metric("seconds", seconds).metric("clients", clients).metric("unexpected_answers", errors);
        before.addTo(result, "alone_");
        during.addTo(result, "hostile_");
        result.metric("stalled_callbacks", stallingSink.received.get()).note("log_verified", String.valueOf(verified)).print();
        return errors == 0 && verified;
    }

    /** A second agent, with a key of its own: per-caller limits and queues are what keep it from the others. */
    private static void addHostileAgent(Path config, String key) throws IOException {
        Path identities = config.resolve("identities.yaml");
        String text = Files.readString(identities);
        if (text.contains("id: hostile-agent")) {
            return;
        }
        String entry = """
                  - id: hostile-agent
                    kind: agent
                    name: Hostile agent
                    owner: carol
                    api_keys: [%s]
                """.formatted(ApiKeys.hash(key));
        int at = text.indexOf("  - id: deploy-agent");
        Files.writeString(identities, text.substring(0, at) + entry + text.substring(at));
    }

    private static void allowCallbacks(Path config, CallbackSink honest, CallbackSink stalling) throws IOException {
        Path settings = config.resolve("countersign.yaml");
        String text = Files.readString(settings);
        if (!text.contains("\ncallbacks:")) {
            Files.writeString(settings, text + "callbacks:\n  allowed_hosts: [\"" + honest.origin() + "\", \"" + stalling.origin() + "\"]\n"
                    + "  secret: " + CALLBACK_SECRET + "\n");
        }
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

    /** What one half measured of the honest traffic. */
    private record Phase(String name, double operationsPerSecond, Percentiles http, Percentiles callbacks, NodeMemory memory) {
        static Phase end(String name, Stats stats, int seconds, BenchNode node, String jcmd, CallbackSink sink) throws Exception {
            double rate = stats.operations.sum() / (double) seconds;
            Percentiles http = Percentiles.of(stats.latencies());
            Percentiles callbacks = Percentiles.of(sink.delays());
            return new Phase(name, rate, http, callbacks, NodeMemory.of(node.pid(), jcmd));
        }

        void print() {
            System.out.printf("%-24s | %12.0f | %5.1f ms | %5.1f ms | %9.1f ms | %9.1f ms | %9.1f ms | %9d MiB | %d MiB%n", name,
                    operationsPerSecond, http.ms(0.5), http.ms(0.99), callbacks.ms(0.5), callbacks.ms(0.99), callbacks.maxMs(),
                    memory.heapMiB(), memory.rssMiB());
        }

        void addTo(BenchResult result, String prefix) {
            result.metric(prefix + "operations_per_s", operationsPerSecond).metric(prefix + "http_p50_ms", http.ms(0.5))
                    .metric(prefix + "http_p99_ms", http.ms(0.99)).metric(prefix + "callback_p50_ms", callbacks.ms(0.5))
                    .metric(prefix + "callback_p99_ms", callbacks.ms(0.99)).metric(prefix + "heap_mib", memory.heapMiB())
                    .metric(prefix + "rss_mib", memory.rssMiB());
        }
    }

    /** The honest traffic's counts and latencies, reset at the start of each half. */
    private static final class Stats {
        final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        final Map<String, LongAdder> unexpectedAll = new ConcurrentHashMap<>();
        final LongAdder operations = new LongAdder();
        private volatile ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();

        void reset() {
            answers.clear();
            operations.reset();
            latencies = new ConcurrentLinkedQueue<>();
        }

        void latency(long nanos) {
            latencies.add(nanos);
        }

        long[] latencies() {
            return latencies.stream().mapToLong(Long::longValue).toArray();
        }

        long unexpectedTotal() {
            return unexpectedAll.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }

    /**
     * A callback endpoint on loopback. The answering one records, per callback URL, how long after the
     * review was sent its {@code review.submitted} entry arrived; the stalling one answers every other
     * delivery {@code 503 Retry-After: 999999} and holds the rest open without a word.
     */
    private static final class CallbackSink implements AutoCloseable {
        final HttpServer server;
        final Map<String, Long> reviewSent = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Long> delays = new ConcurrentLinkedQueue<>();
        final AtomicLong received = new AtomicLong();

        private CallbackSink(boolean stall) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                long n = received.incrementAndGet();
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (stall) {
                    if (n % 2 == 0) {
                        exchange.getResponseHeaders().add("Retry-After", "999999");
                        exchange.sendResponseHeaders(503, -1);
                    } else {
                        try {
                            Thread.sleep(60_000); // longer than Countersign waits for an answer
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    exchange.close();
                    return;
                }
                long arrived = System.nanoTime();
                String tag = exchange.getRequestURI().getPath();
                if ("review.submitted".equals(Json.parse(body).path("type").asString())) {
                    Long sent = reviewSent.remove(tag);
                    if (sent != null) {
                        delays.add(arrived - sent);
                    }
                }
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            server.start();
        }

        static CallbackSink answering() throws IOException {
            return new CallbackSink(false);
        }

        static CallbackSink stalling() throws IOException {
            return new CallbackSink(true);
        }

        String origin() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        long[] delays() {
            long[] measured = delays.stream().mapToLong(Long::longValue).toArray();
            delays.clear();
            return measured.length == 0 ? new long[] {0} : measured;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** One honest client's mix of calls. */
    private static final class Traffic {
        private final HttpClient http;
        private final BenchNode node;
        private final int client;
        private final Stats stats;
        private final CallbackSink sink;
        private final SplittableRandom random;
        private long n;

        Traffic(HttpClient http, BenchNode node, int client, Stats stats, CallbackSink sink) {
            this.http = http;
            this.node = node;
            this.client = client;
            this.stats = stats;
            this.sink = sink;
            this.random = new SplittableRandom(client);
        }

        void next() {
            n++;
            int pick = random.nextInt(100);
            try {
                if (pick < 60) {
                    JsonNode allowed = call("submit allowed", "agent", "POST", "/v1/actions", request("db.read", "staging", null), 200);
                    if (allowed != null) {
                        call("report outcome", "agent", "POST", "/v1/actions/" + allowed.path("id").asString() + "/outcome",
                                "{\"grant\": \"" + allowed.path("grant").path("token").asString() + "\", \"status\": \"succeeded\"}", 200);
                    }
                } else if (pick < 85) {
                    String tag = "/cb/" + client + "-" + n;
                    JsonNode held = call("submit held", "agent", "POST", "/v1/actions", request("db.migrate", "prod", sink.origin() + tag), 202);
                    if (held != null) {
                        String decision = pick < 80 ? "approve" : "deny";
                        sink.reviewSent.put(tag, System.nanoTime());
                        call("review", "alice", "POST", "/v1/actions/" + held.path("id").asString() + "/reviews",
                                "{\"decision\": \"" + decision + "\", \"comment\": \"soak\"}", 200);
                    }
                } else if (pick < 92) {
                    JsonNode held = call("submit held", "agent", "POST", "/v1/actions", request("db.migrate", "prod", null), 202);
                    if (held != null) {
                        call("wait", "agent", "GET", "/v1/actions/" + held.path("id").asString() + "?wait=1s", null, 200);
                        call("cancel", "agent", "POST", "/v1/actions/" + held.path("id").asString() + "/cancel", "{}", 200);
                    }
                } else {
                    call("inbox", "alice", "GET", "/v1/actions?status=pending&limit=20", null, 200);
                }
                stats.operations.increment();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private String request(String action, String env, String callback) {
            return actionRequest("soak", "client", client, n, action, env, callback);
        }

        /** @return the answer's body when it had the expected status, else null (counted as unexpected) */
        private JsonNode call(String what, String who, String method, String path, String body, int expected) throws InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + node.key(who));
            request = body == null ? request.GET() : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            long began = System.nanoTime();
            try {
                HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (!what.equals("wait")) {
                    stats.latency(System.nanoTime() - began); // a wait is a second long by design
                }
                stats.answers.computeIfAbsent(what + " " + answer.statusCode(), k -> new LongAdder()).increment();
                if (answer.statusCode() != expected) {
                    stats.unexpectedAll.computeIfAbsent(what + " " + answer.statusCode(), k -> new LongAdder()).increment();
                    return null;
                }
                return Json.parse(answer.body());
            } catch (IOException e) {
                stats.unexpectedAll.computeIfAbsent(what + " " + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                return null;
            }
        }
    }

    /** The hostile agent's loop: unknown ids polled, used grants replayed, callbacks sent to a stalling endpoint. */
    private static final class Hostile {
        private final HttpClient http;
        private final BenchNode node;
        private final String key;
        private final int thread;
        private final Map<String, LongAdder> answers;
        private final CallbackSink stalling;
        private final SplittableRandom random;
        private String usedGrant;
        private String usedGrantAction;
        private long n;

        Hostile(HttpClient http, BenchNode node, String key, int thread, Map<String, LongAdder> answers, CallbackSink stalling) {
            this.http = http;
            this.node = node;
            this.key = key;
            this.thread = thread;
            this.answers = answers;
            this.stalling = stalling;
            this.random = new SplittableRandom(1000 + thread);
        }

        void next() {
            n++;
            int pick = random.nextInt(100);
            try {
                if (pick < 40) {
                    call("poll unknown id", "GET", "/v1/actions/act_" + Long.toHexString(random.nextLong()) + "?wait=1s", null);
                } else if (pick < 80) {
                    if (usedGrant == null) {
                        JsonNode allowed = call("submit allowed", "POST", "/v1/actions", request("db.read", "staging", null));
                        if (allowed != null && allowed.has("grant")) {
                            usedGrantAction = allowed.path("id").asString();
                            usedGrant = allowed.path("grant").path("token").asString();
                            call("report outcome", "POST", "/v1/actions/" + usedGrantAction + "/outcome",
                                    "{\"grant\": \"" + usedGrant + "\", \"status\": \"succeeded\"}");
                        }
                    } else {
                        call("replay used grant", "POST", "/v1/actions/" + usedGrantAction + "/outcome",
                                "{\"grant\": \"" + usedGrant + "\", \"status\": \"succeeded\"}");
                    }
                } else {
                    JsonNode held = call("submit held, stalling callback", "POST", "/v1/actions",
                            request("db.migrate", "prod", stalling.origin() + "/hostile/" + thread + "-" + n));
                    if (held != null && held.has("id")) {
                        call("cancel", "POST", "/v1/actions/" + held.path("id").asString() + "/cancel", "{}");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private String request(String action, String env, String callback) {
            return actionRequest("hostile", "thread", thread, n, action, env, callback);
        }

        private JsonNode call(String what, String method, String path, String body) throws InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.base + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + key);
            request = body == null ? request.GET() : request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            try {
                HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                answers.computeIfAbsent(what + " " + answer.statusCode(), k -> new LongAdder()).increment();
                return answer.statusCode() / 100 == 2 ? Json.parse(answer.body()) : null;
            } catch (IOException e) {
                answers.computeIfAbsent(what + " " + e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                return null;
            }
        }
    }

    /** A request body whose resource and payload say which caller sent it and its sequence number. */
    private static String actionRequest(String caller, String numberField, int number, long n, String action, String env, String callback) {
        return """
                {"action": "%s", "resource": {"type": "postgres.table", "id": "%s/%s-t-%d", "env": "%s"},
                 "intent": {"summary": "%s %d/%d"}, "payload": {"%s": %d, "n": %d}%s}""".formatted(action, env, caller, number, env,
                caller, number, n, numberField, number, n, callback == null ? "" : ", \"callback_url\": \"" + callback + "\"");
    }
}
