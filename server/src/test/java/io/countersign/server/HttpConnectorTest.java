package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.countersign.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Proxy mode with the http connector against a real local upstream: the approved call arrives exactly as
 * approved, with a credential the agent never sees; hangs, redirects and oversized answers are contained.
 */
class HttpConnectorTest {
    static final String TOKEN = "upstream-token-5d2e8a";

    /** A request as the upstream received it. */
    record Received(String method, String uri, String authorization, String contentType, String note, String body) {
    }

    @TempDir
    Path config;

    HttpServer upstream;
    final List<Received> received = new CopyOnWriteArrayList<>();
    TestServer server;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        upstream.createContext("/api/", this::answer);
        upstream.start();
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        Files.writeString(secrets.resolve("api-token"), TOKEN);
        Files.setPosixFilePermissions(secrets.resolve("api-token"), PosixFilePermissions.fromString("rw-------"));
        server = TestServer.withConnectors(config, """
                connectors:
                  - name: admin-api-prod
                    type: http
                    actions: [iam.prod.*]
                    resource: {type: iam.directory, id: prod}
                    base_url: http://127.0.0.1:%1$d/api
                    headers: {Authorization: "Bearer ${file:secrets/api-token}"}
                    methods: [GET, POST, DELETE]
                    timeout: 1s
                    max_response_bytes: 1000
                  - name: admin-api
                    type: http
                    actions: [iam.*]
                    resource: {type: iam.directory, id: staging}
                    base_url: http://127.0.0.1:%1$d/api
                    headers: {Authorization: "Bearer ${file:secrets/api-token}"}
                    methods: [GET, POST, DELETE]
                    timeout: 1s
                    max_response_bytes: 1000
                """.formatted(upstream.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        server.close();
        upstream.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        var headers = exchange.getRequestHeaders();
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers.getFirst("Authorization"),
                headers.getFirst("Content-Type"), headers.getFirst("X-Request-Note"), body));
        String path = exchange.getRequestURI().getPath();
        try {
            switch (path) {
                case "/api/slow" -> {
                    Thread.sleep(30_000);
                    send(exchange, 200, "late");
                }
                case "/api/drip" -> {
                    exchange.sendResponseHeaders(200, 0);
                    exchange.getResponseBody().write("partial".getBytes(StandardCharsets.UTF_8));
                    exchange.getResponseBody().flush();
                    Thread.sleep(30_000);
                }
                case "/api/big" -> send(exchange, 200, "x".repeat(100_000));
                case "/api/moved" -> {
                    exchange.getResponseHeaders().add("Location", "http://evil.example/steal");
                    exchange.sendResponseHeaders(302, -1);
                }
                case "/api/broken" -> send(exchange, 500, "{\"error\": \"boom\"}");
                default -> {
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    send(exchange, 201, "{\"granted\": true, \"seen_authorization\": \"" + headers.getFirst("Authorization") + "\"}");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A call to the staging directory (allowed there) or, through the other connector, to production's (held). */
    private TestServer.Answer submit(String env, String payload) {
        return server.post("agent", "/v1/actions", """
                {"action": "%s", "resource": {"type": "iam.directory", "id": "%s", "env": "%s"},
                 "intent": {"summary": "give user 42 read access"}, "payload": %s}
                """.formatted(env.equals("prod") ? "iam.prod.grant_role" : "iam.grant_role", env, env, payload));
    }

    private TestServer.Answer execute(TestServer.Answer submitted) {
        var body = Json.object();
        body.put("grant", submitted.body().path("grant").path("token").asString());
        return server.post("agent", "/v1/actions/" + submitted.id() + "/execute", Json.text(body));
    }

    private JsonNode run(String payload) {
        TestServer.Answer submitted = submit("staging", payload);
        assertThat(submitted.status()).isEqualTo(200);
        TestServer.Answer ran = execute(submitted);
        assertThat(ran.status()).isEqualTo(200);
        return ran.body();
    }

    @Test
    void theApprovedCallArrivesExactlyWithTheInjectedCredential() {
        TestServer.Answer held = submit("prod", """
                {"method": "POST", "path": "/users/42/roles?dry_run=false", "headers": {"X-Request-Note": "ticket OPS-7"},
                 "body": {"role": "reader"}}""");
        assertThat(held.status()).isEqualTo(202);
        assertThat(received).isEmpty();
        server.review("alice", held.id(), "approve", "requested by the data team");
        TestServer.Answer approved = server.get("agent", "/v1/actions/" + held.id());
        TestServer.Answer ran = execute(approved);
        assertThat(received).containsExactly(new Received("POST", "/api/users/42/roles?dry_run=false", "Bearer " + TOKEN,
                "application/json", "ticket OPS-7", "{\"role\":\"reader\"}"));
        JsonNode result = ran.body().path("result");
        assertThat(result.path("status").asInt()).isEqualTo(201);
        assertThat(result.path("outcome").asString()).isEqualTo("succeeded");
        assertThat(result.path("body").path("granted").asBoolean()).isTrue();
        // The upstream echoed the credential back: the agent sees it redacted.
        assertThat(result.path("body").path("seen_authorization").asString()).isEqualTo("Bearer [redacted]");
        assertThat(Json.text(ran.body())).doesNotContain(TOKEN);
        assertThat(server.auditEntries(held.id())).allSatisfy(entry -> assertThat(Json.text(entry)).doesNotContain(TOKEN));
        // Executing again sends nothing.
        assertThat(execute(approved).error()).isEqualTo("grant_used");
        assertThat(received).hasSize(1);
    }

    @Test
    void theCallerCannotChangeTheCallAtExecutionTime() {
        TestServer.Answer submitted = submit("staging", "{\"method\": \"GET\", \"path\": \"/users/42\"}");
        var body = Json.object();
        body.put("grant", submitted.body().path("grant").path("token").asString());
        body.putObject("payload").put("path", "/users/1/delete");
        TestServer.Answer refused = server.post("agent", "/v1/actions/" + submitted.id() + "/execute", Json.text(body));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("error").path("field").asString()).isEqualTo("payload");
        assertThat(received).isEmpty();
    }

    @Test
    void pathsThatLeaveTheUpstreamAndReservedHeadersAreRefusedOnSubmit() {
        for (String payload : List.of(
                "{\"method\": \"GET\", \"path\": \"/../../admin\"}",
                "{\"method\": \"GET\", \"path\": \"/%2e%2e/admin\"}",
                "{\"method\": \"GET\", \"path\": \"//evil.example/\"}",
                "{\"method\": \"PUT\", \"path\": \"/users/42\"}",
                "{\"method\": \"GET\", \"path\": \"/users\", \"headers\": {\"Authorization\": \"Bearer agent-own\"}}")) {
            TestServer.Answer refused = submit("staging", payload);
            assertThat(refused.status()).as(payload).isEqualTo(400);
            assertThat(refused.body().path("error").path("field").asString()).as(payload).startsWith("payload.");
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anUpstreamThatHangsTimesOut() {
        long started = System.nanoTime();
        JsonNode ran = run("{\"method\": \"GET\", \"path\": \"/slow\"}");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(ran.path("result").path("timed_out").asBoolean()).isTrue();
        assertThat(ran.path("result").path("error").asString()).contains("did not answer within 1s");
        assertThat(ran.path("status").asString()).isEqualTo("failed");
    }

    @Test
    void anUpstreamThatStallsMidAnswerTimesOut() {
        long started = System.nanoTime();
        JsonNode ran = run("{\"method\": \"GET\", \"path\": \"/drip\"}");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        assertThat(ran.path("result").path("timed_out").asBoolean()).isTrue();
        assertThat(ran.path("status").asString()).isEqualTo("failed");
    }

    @Test
    void redirectsAreNotFollowedAndErrorsAreFailures() {
        JsonNode moved = run("{\"method\": \"GET\", \"path\": \"/moved\"}").path("result");
        assertThat(moved.path("status").asInt()).isEqualTo(302);
        assertThat(moved.path("headers").path("location").asString()).isEqualTo("http://evil.example/steal");
        assertThat(moved.path("outcome").asString()).isEqualTo("failed");
        assertThat(received).hasSize(1);
        JsonNode broken = run("{\"method\": \"DELETE\", \"path\": \"/broken\"}").path("result");
        assertThat(broken.path("status").asInt()).isEqualTo(500);
        assertThat(broken.path("outcome").asString()).isEqualTo("failed");
    }

    @Test
    void aLargeAnswerIsCutAtTheCap() {
        JsonNode big = run("{\"method\": \"GET\", \"path\": \"/big\"}").path("result");
        assertThat(big.path("truncated").asBoolean()).isTrue();
        assertThat(big.path("body").asString()).hasSize(1000);
        assertThat(big.path("outcome").asString()).isEqualTo("succeeded");
    }
}
