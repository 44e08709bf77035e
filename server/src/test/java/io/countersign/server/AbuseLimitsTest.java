package io.countersign.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.server.TestServer.Answer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one principal may ask, over HTTP: requests waiting for review at once (approval fatigue), the
 * submission rate, and the size of what it sends. Over a limit the caller is told which, and why, and
 * nothing is stored.
 */
class AbuseLimitsTest {
    @TempDir
    Path config;

    TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void startWithLimits(String limits) throws IOException {
        ConfigDirectory.ensureExample(config);
        Path settings = config.resolve(ConfigDirectory.SETTINGS);
        String text = Files.readString(settings);
        int start = text.indexOf("limits:\n");
        int end = text.indexOf("\n#", start);
        Files.writeString(settings, text.substring(0, start) + limits + text.substring(end));
        server = TestServer.start(config);
    }

    /** Starts a node whose example settings have {@code setting} replaced by {@code replacement}. */
    private void startWithSetting(String setting, String replacement) throws IOException {
        ConfigDirectory.ensureExample(config);
        Path settings = config.resolve(ConfigDirectory.SETTINGS);
        String text = Files.readString(settings);
        assertThat(text).contains(setting);
        Files.writeString(settings, text.replace(setting, replacement));
        server = TestServer.start(config);
    }

    private static String held(int n) {
        return TestServer.request("db.migrate", "prod", ", \"payload\": {\"step\": " + n + "}");
    }

    @Test
    void aRequesterMayHaveOnlySoManyRequestsWaitingForReview() throws IOException {
        startWithLimits("limits: {max_pending: 3}");
        String first = server.post("agent", "/v1/actions", held(1)).id();
        assertThat(server.post("agent", "/v1/actions", held(2)).status()).isEqualTo(202);
        assertThat(server.post("agent", "/v1/actions", held(3)).status()).isEqualTo(202);

        Answer fourth = server.post("agent", "/v1/actions", held(4));
        assertThat(fourth.status()).isEqualTo(429);
        assertThat(fourth.error()).isEqualTo("too_many_pending");
        assertThat(fourth.body().path("error").path("message").asString())
                .isEqualTo("deploy-agent already has 3 requests waiting for review, the most one requester may have; "
                        + "wait until some are decided, or cancel some");
        assertThat(server.get("alice", "/v1/actions?status=pending").ids()).as("nothing stored").hasSize(3);

        // The same request again is the same request: no new prompt for anyone, so it is not refused.
        assertThat(server.post("agent", "/v1/actions", held(1)).id()).isEqualTo(first);
        // Allowed actions prompt nobody and are not counted.
        assertThat(server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", "")).status()).isEqualTo(200);
        // Others have their own allowance.
        assertThat(server.post("alice", "/v1/actions", held(5)).status()).isEqualTo(202);

        assertThat(server.review("alice", first, "approve", "fine").body().path("status").asString()).isEqualTo("approved");
        assertThat(server.post("agent", "/v1/actions", held(4)).status()).as("room again once one is decided").isEqualTo(202);
    }

    @Test
    void submissionsBeyondTheRateAreRefusedWithWhenToRetry() throws Exception {
        startWithLimits("limits: {per_second: 2, burst: 4}");
        for (int i = 0; i < 4; i++) {
            assertThat(server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", ", \"payload\": {\"n\": " + i + "}")).status())
                    .as("submission %d of the burst", i).isEqualTo(200);
        }
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri("/v1/actions"))
                .header("Authorization", "Bearer " + server.key("agent")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestServer.request("db.read", "prod", ", \"payload\": {\"n\": 9}"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 2));
        assertThat(refused.body()).contains("\"code\":\"rate_limited\"").contains("deploy-agent submits faster than its limit of 2.0 per second");
        assertThat(server.post("alice", "/v1/actions", TestServer.request("db.read", "prod", "")).status()).as("another principal").isEqualTo(200);

        Thread.sleep(600); // a token back at 2 per second
        assertThat(server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", ", \"payload\": {\"n\": 10}")).status()).isEqualTo(200);
    }

    @Test
    void grantChecksBeyondTheRateAreRefusedPerCallerApartFromSubmissions() throws Exception {
        startWithLimits("limits: {per_second: 1, burst: 3}");
        TestServer.Answer allowed = server.post("agent", "/v1/actions", TestServer.request("db.read", "prod", ""));
        String check = "{\"grant\": \"" + allowed.body().path("grant").path("token").asString() + "\", \"audience\": \""
                + allowed.body().path("grant").path("audience").asString() + "\"}";
        for (int i = 0; i < 3; i++) {
            assertThat(server.post("carol", "/v1/grants/verify", check).status()).as("check %d of the burst", i).isEqualTo(200);
        }
        TestServer.Answer refused = server.post("carol", "/v1/grants/verify", check);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.error()).isEqualTo("rate_limited");
        assertThat(refused.body().path("error").path("message").asString()).contains("carol presents grants faster than its limit");
        // Another caller has buckets of its own, and carol's checks took nothing from her submissions.
        assertThat(server.post("bob", "/v1/grants/verify", check).status()).isEqualTo(200);
        assertThat(server.post("carol", "/v1/actions", TestServer.request("db.read", "prod", "")).status()).isEqualTo(200);
    }

    @Test
    void badLimitsInTheSettingsAreRefusedAtStartWithTheKey() throws IOException {
        ConfigDirectory.ensureExample(config);
        Path settings = config.resolve(ConfigDirectory.SETTINGS);
        String text = Files.readString(settings);
        Files.writeString(settings, text.replace("  max_pending: 50", "  max_pending: 0"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestServer.start(config))
                .hasMessage("countersign.yaml: limits.max_pending must be a number from 1 to 1000000, got 0");
        Files.writeString(settings, text.replace("  max_pending: 50", "  max_pendng: 5"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestServer.start(config))
                .hasMessage("countersign.yaml: limits: unknown key 'max_pendng' (expected max_pending, per_second, burst)");
    }

    @Test
    void oversizedHeadersAreRefusedAsJson() throws IOException {
        startWithLimits("limits: {max_pending: 50}");
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + "a".repeat(64 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(socket.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
            assertThat(answer).matches("(?s)HTTP/1.1 4(00|31) .*").contains("\"error\"");
        }
    }

    @Test
    void aBodyOverTheLimitIsReadToItsEndSoThe413ArrivesAndTheConnectionStaysUsable() throws IOException {
        startWithLimits("limits: {max_pending: 50}");
        byte[] body = TestServer.request("db.read", "prod", ", \"payload\": {\"blob\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            OutputStream out = socket.getOutputStream();
            // Cut off mid-body, a client still writing meets a reset and never sees the 413 (HTTP/1.1 §9.6).
            out.write(submitHead(body.length));
            out.write(body);
            out.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answers = readUntil(socket, "\"ok\"");
            assertThat(answers).startsWith("HTTP/1.1 413").contains("\"code\":\"body_too_large\"");
            assertThat(answers).as("the next request on the same connection is answered too").containsPattern("(?s)^HTTP/1.1 413 .*HTTP/1.1 200 ");
        }
        assertThat(server.get("alice", "/v1/actions").ids()).as("nothing stored").isEmpty();
    }

    @Test
    void aBodyDeclaredFarOverTheLimitIsRefusedBeforeItIsSent() throws IOException {
        startWithLimits("limits: {max_pending: 50}");
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(submitHead(1L << 30));
            out.write('{');
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until the node closes
            assertThat(answer).startsWith("HTTP/1.1 413");
        }
    }

    /** The head of the agent's {@code POST /v1/actions} with a body of {@code length} bytes (sent or only declared). */
    private byte[] submitHead(long length) {
        return ("POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.key("agent")
                + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String readUntil(Socket socket, String end) throws IOException {
        StringBuilder read = new StringBuilder();
        byte[] buffer = new byte[8192];
        for (int n; !read.toString().contains(end) && (n = socket.getInputStream().read(buffer)) > 0; ) {
            read.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
        return read.toString();
    }

    @Test
    void aLongPollOutlastsTheIdleTimeout() throws IOException {
        startWithSetting("idle_timeout: 10s", "idle_timeout: 2s");
        String id = server.post("agent", "/v1/actions", held(1)).id();
        long start = System.nanoTime();
        Answer waited = server.get("agent", "/v1/actions/" + id + "?wait=5s");
        assertThat(waited.status()).isEqualTo(200);
        assertThat(waited.body().path("status").asString()).isEqualTo("pending");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(4900));
    }

    @Test
    void aClientThatStopsSendingItsBodyIsAnswered408AndCutOff() throws IOException {
        startWithSetting("body_timeout: 20s", "body_timeout: 3s");
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout((int) Duration.ofSeconds(60).toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.key("agent")
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"action\"").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until the node closes
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(20));
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"code\":\"body_timeout\"");
        }
        assertThat(server.get("alice", "/v1/actions").ids()).as("nothing stored").isEmpty();
    }

    @Test
    void aConnectionThatSendsNothingIsClosed() throws IOException {
        startWithSetting("idle_timeout: 10s", "idle_timeout: 2s");
        try (Socket socket = new Socket("127.0.0.1", server.uri("/").getPort())) {
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("the node closed the connection").isEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(10));
        }
    }
}
