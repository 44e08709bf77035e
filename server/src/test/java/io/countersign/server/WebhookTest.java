package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.countersign.json.Json;
import io.countersign.store.WebhookStore;
import io.countersign.webhooks.WebhookSignature;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Outbound webhooks: Standard Webhooks signatures, log order, retries while the receiver is down, nothing lost. */
class WebhookTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path config;

    TestServer server;
    HttpServer receiver;

    record Received(String id, String timestamp, String signature, String body) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void signaturesMatchTheSpecTestVector() {
        assertThat(WebhookSignature.sign(WebhookSignature.key(SECRET), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    private void startReceiver(int port) throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            if (status == 204) {
                received.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                        exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        exchange.getRequestHeaders().getFirst("webhook-signature"), new String(body, StandardCharsets.UTF_8)));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    private static boolean signedBySecret(Received delivery) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        byte[] expected = mac.doFinal((delivery.id() + "." + delivery.timestamp() + "." + delivery.body()).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(("v1," + Base64.getEncoder().encodeToString(expected)).getBytes(StandardCharsets.US_ASCII),
                delivery.signature().getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void everyStateChangeArrivesSignedAndInOrderThoughTheReceiverWasDownAndTheNodeRestarted() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("countersign.yaml"), """

                webhooks:
                  - url: http://127.0.0.1:%d/hook
                    secret: %s
                    retry: [1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s, 1s]
                """.formatted(port, SECRET), StandardOpenOption.APPEND);
        server = TestServer.start(config);
        long start = server.node().checkpointer().sign().size();
        // The receiver is down: nothing listens on its port.
        String first = server.post("agent", "/v1/actions", TestServer.piiExport("OPS-1")).id();
        server.review("alice", first, "approve", "ok");
        Thread.sleep(500);
        server.restart();
        server.review("bob", first, "approve", "owner ok");
        failuresLeft.set(2); // up, but failing twice first
        startReceiver(port);
        String second = server.post("agent", "/v1/actions", TestServer.request("db.read", "dev", "")).id();

        long end = server.node().checkpointer().sign().size();
        for (int i = 0; i < 400 && received.stream().map(Received::id).distinct().count() < end - start; i++) {
            Thread.sleep(50);
        }
        List<String> ids = received.stream().map(Received::id).toList();
        List<String> expected = new java.util.ArrayList<>();
        for (long index = start; index < end; index++) {
            expected.add("msg_" + index);
        }
        assertThat(ids).containsExactlyElementsOf(expected);
        for (Received delivery : received) {
            assertThat(signedBySecret(delivery)).as(delivery.id()).isTrue();
        }
        List<String> types = received.stream().map(r -> Json.parse(r.body()).path("type").asString()).toList();
        assertThat(types).containsSubsequence("action.requested", "action.decided", "review.submitted", "review.submitted",
                "action.approved", "action.requested", "action.decided");
        JsonNode approved = received.stream().map(r -> Json.parse(r.body())).filter(p -> p.path("type").asString().equals("action.approved"))
                .findFirst().orElseThrow();
        assertThat(approved.path("data").path("entry").path("action_id").asString()).isEqualTo(first);
        assertThat(approved.path("data").path("log_index").asLong()).isEqualTo(Long.parseLong(
                received.get(types.indexOf("action.approved")).id().substring(4)));
        assertThat(received.stream().anyMatch(r -> Json.parse(r.body()).path("data").path("entry").path("action_id").asString().equals(second)))
                .isTrue();

        String url = "http://127.0.0.1:" + port + "/hook";
        List<WebhookStore.Delivery> deliveries = server.node().store().webhooks().deliveries(url, 100);
        assertThat(deliveries).allSatisfy(d -> assertThat(d.deliveredAt()).isNotNull());
        assertThat(deliveries.stream().mapToInt(WebhookStore.Delivery::attempts).max().orElse(0)).isGreaterThan(1);
    }

    @Test
    void aBadWebhookConfigurationRefusesStartUp() throws Exception {
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("countersign.yaml"), """

                webhooks:
                  - url: http://127.0.0.1:9/hook
                    secret: not-a-secret
                """, StandardOpenOption.APPEND);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestServer.start(config))
                .hasMessageContaining("webhooks[0].secret").hasMessageNotContaining("not-a-secret");
    }

    @Test
    void anAgentsCallbackUrlGetsEachChangeOfItsActionSigned() throws Exception {
        List<Received> callbacks = new CopyOnWriteArrayList<>();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/cb", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            callbacks.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"), new String(body, StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        ConfigDirectory.ensureExample(config);
        Files.writeString(config.resolve("countersign.yaml"), """

                callbacks:
                  allowed_hosts: ["http://127.0.0.1:%d", "https://*.agents.example"]
                  secret: %s
                """.formatted(receiver.getAddress().getPort(), SECRET), StandardOpenOption.APPEND);
        server = TestServer.start(config);
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb/run-77";

        TestServer.Answer refused = server.post("agent", "/v1/actions",
                TestServer.request("deploy.app", "prod", ", \"callback_url\": \"http://169.254.169.254/latest/meta-data\""));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error").path("field").asString()).isEqualTo("callback_url");
        assertThat(refused.body().path("error").path("message").asString()).contains("'http://169.254.169.254:80' is not an origin this server calls back");
        // The same host on another port or scheme is another origin.
        TestServer.Answer otherPort = server.post("agent", "/v1/actions", TestServer.request("deploy.app", "prod",
                ", \"callback_url\": \"http://127.0.0.1:1/cb\""));
        assertThat(otherPort.status()).isEqualTo(400);
        TestServer.Answer otherScheme = server.post("agent", "/v1/actions", TestServer.request("deploy.app", "prod",
                ", \"callback_url\": \"http://api.agents.example/cb\""));
        assertThat(otherScheme.status()).isEqualTo(400);

        String held = server.post("agent", "/v1/actions", TestServer.request("deploy.app", "prod", ", \"callback_url\": \"" + url + "\"")).id();
        server.post("agent", "/v1/actions", TestServer.request("deploy.other", "prod", "")); // no callback: nothing sent for it
        server.review("alice", held, "approve", "ok");
        for (int i = 0; i < 200 && callbacks.size() < 4; i++) {
            Thread.sleep(50);
        }
        Thread.sleep(300);
        assertThat(callbacks).extracting(c -> Json.parse(c.body()).path("type").asString())
                .containsExactly("action.requested", "action.decided", "review.submitted", "action.approved");
        for (Received callback : callbacks) {
            assertThat(signedBySecret(callback)).isTrue();
            assertThat(Json.parse(callback.body()).path("data").path("entry").path("action_id").asString()).isEqualTo(held);
        }
        assertThat(server.get("agent", "/v1/actions/" + held).body().path("callback_url").asString()).isEqualTo(url);
    }

    /**
     * One agent's callback endpoint answering 503 with {@code Retry-After: 999999} (eleven days) stalls only its
     * own callbacks: another agent's arrive at once, and the stalled one is retried within the callbacks' longest
     * wait, not days later.
     */
    @Test
    void oneStallingCallbackEndpointDelaysNoOtherAndCannotParkItselfForDays() throws Exception {
        List<String> honest = new CopyOnWriteArrayList<>();
        List<Long> stalled = new CopyOnWriteArrayList<>();
        HttpServer good = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        good.createContext("/cb", exchange -> {
            honest.add(Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).path("type").asString());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        good.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/cb", exchange -> {
            exchange.getRequestBody().readAllBytes();
            stalled.add(System.nanoTime());
            exchange.getResponseHeaders().add("Retry-After", "999999");
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        receiver.start();
        try {
            ConfigDirectory.ensureExample(config);
            Files.writeString(config.resolve("countersign.yaml"), """

                    callbacks:
                      allowed_hosts: ["http://127.0.0.1:%d", "http://127.0.0.1:%d"]
                      secret: %s
                      retry: [1s, 2s, 2s]
                    """.formatted(receiver.getAddress().getPort(), good.getAddress().getPort(), SECRET), StandardOpenOption.APPEND);
            server = TestServer.start(config);
            String stalling = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb/a";
            String working = "http://127.0.0.1:" + good.getAddress().getPort() + "/cb/b";
            // The stalling agent asks first, and twice, so that its callbacks queue ahead of the other's.
            server.post("agent", "/v1/actions", TestServer.request("deploy.app", "prod", ", \"callback_url\": \"" + stalling + "\""));
            server.post("agent", "/v1/actions", TestServer.request("deploy.other", "prod", ", \"callback_url\": \"" + stalling + "\""));
            long started = System.nanoTime();
            server.post("bob", "/v1/actions", TestServer.request("deploy.third", "prod", ", \"callback_url\": \"" + working + "\""));
            for (int i = 0; i < 100 && honest.size() < 2; i++) {
                Thread.sleep(50);
            }
            assertThat(honest).containsExactly("action.requested", "action.decided");
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as("the other agent's callbacks, at once")
                    .isLessThan(java.time.Duration.ofSeconds(3));
            // Retry-After is honoured only up to the longest wait of the schedule (2 s), then given up after it.
            for (int i = 0; i < 200 && stalled.size() < 4; i++) {
                Thread.sleep(50);
            }
            assertThat(stalled).hasSizeGreaterThanOrEqualTo(4);
            assertThat(java.time.Duration.ofNanos(stalled.get(3) - stalled.get(0))).isLessThan(java.time.Duration.ofSeconds(9));
        } finally {
            good.stop(0);
        }
    }
}
