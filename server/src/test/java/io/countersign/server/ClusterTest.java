package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.countersign.audit.LogIntegrity;
import io.countersign.json.Json;
import io.countersign.testing.Directories;
import io.countersign.testing.PostgresSchema;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Three real nodes on one real PostgreSQL (a schema of their own on 127.0.0.1:5432): what is submitted
 * on one is waited on at another and approved on a third; races between nodes have one winner; the
 * audit log stays one verifiable tree; background work (webhook delivery) runs on one node at a time
 * and moves to another when that node stops.
 */
class ClusterTest {
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path config;

    PostgresSchema schema;
    final List<TestServer> nodes = new ArrayList<>();
    HttpServer receiver;
    /** Deliveries received, by webhook-id: each entry must arrive once, however many nodes there are. */
    final Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
    final List<String> deliveredTypes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        schema = new PostgresSchema();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            delivered.computeIfAbsent(exchange.getRequestHeaders().getFirst("webhook-id"), id -> new AtomicInteger()).incrementAndGet();
            deliveredTypes.add(Json.parse(body).path("type").asString());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Path first = config.resolve("node-1");
        ConfigDirectory.ensureExample(first);
        schema.useIn(first);
        Files.writeString(first.resolve("countersign.yaml"), """

                webhooks:
                  - url: http://127.0.0.1:%d/hook
                    secret: %s
                """.formatted(receiver.getAddress().getPort(), WEBHOOK_SECRET), java.nio.file.StandardOpenOption.APPEND);
        nodes.add(TestServer.start(first));
        // The other nodes share the first one's configuration and keys (grants, audit log), as a deployment would.
        for (int n = 2; n <= 3; n++) {
            Path other = config.resolve("node-" + n);
            Directories.copy(first, other);
            nodes.add(TestServer.start(other));
        }
    }

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(TestServer::close);
        receiver.stop(0);
        schema.close();
    }

    private String submit(TestServer node, String action, int n) {
        TestServer.Answer answer = node.post("agent", "/v1/actions", TestServer.request(action, "dev", ", \"payload\": {\"n\": " + n + "}"));
        assertThat(answer.status()).as(answer.body().toString()).isIn(200, 202);
        return answer.id();
    }

    @Test
    void submittedOnOneWaitedOnAnotherApprovedOnAThird() throws Exception {
        TestServer a = nodes.get(0);
        TestServer b = nodes.get(1);
        TestServer c = nodes.get(2);
        String id = submit(a, "test.race", 1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long started = System.nanoTime();
            Future<TestServer.Answer> waiting = pool.submit(() -> b.get("agent", "/v1/actions/" + id + "?wait=30s"));
            Thread.sleep(300);
            assertThat(waiting.isDone()).isFalse();
            assertThat(c.review("alice", id, "approve", "approved on the third node").status()).isEqualTo(200);
            TestServer.Answer woken = waiting.get();
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            assertThat(woken.body().path("status").asString()).isEqualTo("approved");
            // Woken by PostgreSQL's NOTIFY, not by the 5 s re-read that backs it up.
            assertThat(waited).isLessThan(Duration.ofSeconds(4));
        }
        assertThat(a.get("alice", "/v1/actions/" + id).body().path("status").asString()).isEqualTo("approved");
    }

    @Test
    void aReviewerSignedInOnOneNodeIsSignedInOnEveryNodeUntilSignedOut() throws Exception {
        TestServer a = nodes.get(0);
        TestServer b = nodes.get(1);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient(); // follows no redirects
        String cookie = a.consoleSignIn("alice");
        var inboxOnB = http.send(java.net.http.HttpRequest.newBuilder(b.uri("/inbox")).header("Cookie", cookie).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(inboxOnB.statusCode()).as("the session made on node A, on node B").isEqualTo(200);
        var csrf = java.util.regex.Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(inboxOnB.body());
        assertThat(csrf.find()).isTrue();
        var signOutOnB = http.send(java.net.http.HttpRequest.newBuilder(b.uri("/logout")).header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("_csrf=" + csrf.group(1))).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(signOutOnB.statusCode()).isEqualTo(303);
        var inboxOnA = http.send(java.net.http.HttpRequest.newBuilder(a.uri("/inbox")).header("Cookie", cookie).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(inboxOnA.statusCode()).as("signed out on B, so on A too").isEqualTo(303);
        try (var connection = schema.connect();
             var rows = connection.createStatement().executeQuery("SELECT COUNT(*) FROM " + schema.name + ".console_sessions WHERE id_hash = '"
                     + cookie.substring(cookie.indexOf('=') + 1) + "'")) {
            rows.next();
            assertThat(rows.getInt(1)).as("the cookie itself is never stored").isZero();
        }
    }

    @Test
    void eachNodeAppliesItsOwnIdentitiesFileAndTheStatusShowsTheNodesThatLag() throws Exception {
        TestServer a = nodes.get(0);
        // Only node 1's file changes (a deployment that rolled out to one machine so far).
        Path identities = config.resolve("node-1/identities.yaml");
        Files.writeString(identities, Files.readString(identities) + "  - {id: dana, kind: human, roles: [auditor]}\n");
        String version = "sha256:" + java.util.HexFormat.of().formatHex(io.countersign.json.ActionDigest.sha256(Files.readAllBytes(identities)));
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
        JsonNode status;
        do {
            Thread.sleep(200);
            status = a.get("alice", "/v1/status").body();
            assertThat(java.time.Instant.now()).as("node 1 applies and reports its file within seconds").isBefore(deadline);
        } while (!version.equals(status.path("latest").path("identities_version").asString())
                || !status.path("nodes").valueStream().anyMatch(n -> version.equals(n.path("identities_version").asString())));
        assertThat(status.path("nodes")).hasSize(3);
        for (JsonNode node : status.path("nodes")) {
            boolean first = node.path("node").asString().equals(a.node().nodeId());
            assertThat(node.path("reporting").asBoolean()).isTrue();
            assertThat(node.path("lagging").valueStream().map(JsonNode::asString).toList()).as(node.path("node").asString())
                    .isEqualTo(first ? List.of() : List.of("identities"));
        }
        // Asked on a lagging node, the answer is the same: the cluster's view, not the node's own.
        assertThat(nodes.get(1).get("alice", "/v1/status").body().path("latest").path("identities_version").asString()).isEqualTo(version);
    }

    @Test
    void nodesRacingOnTheSameActionHaveOneWinner() throws Exception {
        TestServer a = nodes.get(0);
        TestServer b = nodes.get(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 10; i++) {
                String id = submit(a, "test.race", 100 + i);
                Future<TestServer.Answer> alice = pool.submit(() -> a.review("alice", id, "approve", null));
                Future<TestServer.Answer> bob = pool.submit(() -> b.review("bob", id, "approve", null));
                List<Integer> statuses = List.of(alice.get().status(), bob.get().status());
                assertThat(statuses).as("one approval counts, the other finds the request no longer pending").containsExactlyInAnyOrder(200, 409);
                JsonNode record = nodes.get(2).get("agent", "/v1/actions/" + id).body();
                assertThat(record.path("reviews")).hasSize(1);
                String body = Json.text(Json.object().put("grant", record.path("grant").path("token").asString()));
                Future<TestServer.Answer> usedOnA = pool.submit(() -> a.post("agent", "/v1/actions/" + id + "/claim", body));
                Future<TestServer.Answer> usedOnB = pool.submit(() -> b.post("agent", "/v1/actions/" + id + "/claim", body));
                assertThat(List.of(usedOnA.get().status(), usedOnB.get().status())).as("a grant is used once across the cluster")
                        .containsExactlyInAnyOrder(200, 409);
            }
        }
        LogIntegrity.check(nodes.get(2).node().store().auditLog(), List.of());
    }

    @Test
    void backgroundWorkRunsOnOneNodeAndMovesWhenItStops() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> submitted = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                TestServer node = nodes.get(i % 3);
                int n = i;
                submitted.add(pool.submit(() -> submit(node, "test.race", 200 + n)));
            }
            for (Future<String> id : submitted) {
                id.get();
            }
        }
        awaitDeliveries(30);
        TestServer leader = nodes.stream().filter(n -> n.node().store().leads()).findFirst().orElseThrow();
        assertThat(nodes.stream().filter(n -> n.node().store().leads())).hasSize(1);
        leader.close();
        nodes.remove(leader);
        for (int i = 0; i < 10; i++) {
            submit(nodes.get(i % 2), "test.race", 300 + i);
        }
        awaitDeliveries(40);
        assertThat(nodes.stream().filter(n -> n.node().store().leads())).hasSize(1);
        assertThat(delivered.values()).allSatisfy(count -> assertThat(count.get()).as("each entry delivered once").isEqualTo(1));
        LogIntegrity.check(nodes.get(0).node().store().auditLog(), List.of());
    }

    /** Waits for {@code requested} action.requested deliveries (the first entry of each request). */
    private void awaitDeliveries(int requested) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (deliveredTypes.stream().filter("action.requested"::equals).count() < requested && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(deliveredTypes.stream().filter("action.requested"::equals).count()).isEqualTo(requested);
    }
}
