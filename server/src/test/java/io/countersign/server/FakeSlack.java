package io.countersign.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.countersign.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/**
 * A local stand-in for Slack's Web API, speaking its wire protocol: form-encoded (or JSON) calls to
 * {@code /api/<method>} with a bearer token, answered {@code {"ok": true, …}}. It records every call so
 * tests can assert on the blocks Countersign actually sent.
 */
final class FakeSlack implements AutoCloseable {
    static final String TOKEN = "xoxb-test-7c1d2e3f";
    static final String APP_TOKEN = "xapp-1-test-9e8d7c";

    /** One Web API call as received. */
    record Call(String method, String authorization, Map<String, String> params) {
        JsonNode blocks() {
            return Json.parse(params.getOrDefault("blocks", "[]"));
        }

        String text() {
            return params.getOrDefault("text", "");
        }
    }

    private final HttpServer server;
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger ts = new AtomicInteger();
    /** The ts of each top-level message, by channel, in the order posted. */
    final Map<String, List<String>> posted = new java.util.concurrent.ConcurrentHashMap<>();
    /** Where {@code apps.connections.open} sends Socket Mode clients; null when Socket Mode is not offered. */
    volatile FakeSlackSocket socket;
    /** While set, {@code apps.connections.open} fails as it does when Slack has trouble. */
    volatile boolean socketUnavailable;

    FakeSlack() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/", this::answer);
        server.start();
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    private void answer(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestURI().getPath().substring("/api/".length());
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> params = new LinkedHashMap<>();
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType != null && contentType.startsWith("application/json")) {
            Json.parse(body).properties().forEach(e -> params.put(e.getKey(), e.getValue().isString() ? e.getValue().stringValue() : Json.text(e.getValue())));
        } else {
            for (String pair : body.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        calls.add(new Call(method, authorization, params));
        var answer = Json.object();
        if (method.equals("apps.connections.open")) {
            // Only the app-level token opens a socket.
            boolean open = ("Bearer " + APP_TOKEN).equals(authorization) && socket != null && !socketUnavailable;
            answer.put("ok", open);
            if (open) {
                answer.put("url", socket.url());
            } else {
                answer.put("error", socketUnavailable ? "internal_error" : "invalid_auth");
            }
        } else if (!("Bearer " + TOKEN).equals(authorization)) {
            answer.put("ok", false);
            answer.put("error", "invalid_auth");
        } else {
            answer.put("ok", true);
            switch (method) {
                case "chat.postMessage" -> {
                    answer.put("channel", params.get("channel"));
                    String messageTs = "1767000000." + String.format("%06d", ts.incrementAndGet());
                    answer.put("ts", messageTs);
                    if (!params.containsKey("thread_ts")) {
                        posted.computeIfAbsent(params.get("channel"), c -> new CopyOnWriteArrayList<>()).add(messageTs);
                    }
                }
                case "chat.update" -> {
                    answer.put("channel", params.get("channel"));
                    answer.put("ts", params.get("ts"));
                }
                case "chat.postEphemeral" -> answer.put("message_ts", "1767000000.9" + ts.incrementAndGet());
                case "auth.test" -> {
                    answer.put("team_id", "T1");
                    answer.put("user_id", "U0BOT");
                }
                default -> {
                }
            }
        }
        byte[] bytes = Json.bytes(answer);
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Writes an example config in {@code config} that uses this fake: each secret in an owner-only file
     * under {@code secrets/}, and a {@code slack} section with {@code keys} (references to those files)
     * plus this fake's URL and workspace T111 / app A111.
     */
    void configure(Path config, Map<String, String> secretFiles, String keys) throws IOException {
        ConfigDirectory.ensureExample(config);
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        for (var secret : secretFiles.entrySet()) {
            Files.writeString(secrets.resolve(secret.getKey()), secret.getValue());
            Files.setPosixFilePermissions(secrets.resolve(secret.getKey()), PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(config.resolve("countersign.yaml"), "\nslack:\n" + keys.indent(2) + """
                  api_url: %s
                  team_id: T111
                  app_id: A111
                """.formatted(apiUrl()), StandardOpenOption.APPEND);
    }

    List<Call> calls(String method) {
        return calls.stream().filter(c -> c.method().equals(method)).toList();
    }

    /** Waits until a call matching {@code condition} has arrived, and returns the last such call. */
    Call await(String method, Predicate<Call> condition) {
        return Recorded.last(() -> calls(method).stream().filter(condition).toList(), () -> "no " + method
                + " call matching the condition arrived; calls: " + calls.stream().map(c -> c.method() + " " + c.params().getOrDefault("channel", "")).toList());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
