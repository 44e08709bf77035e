package io.countersign.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.countersign.json.Json;
import io.countersign.server.ConfigDirectory;
import io.countersign.server.CountersignServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Held-action latency: from the agent's submit until the review message reaches Slack. A local stand-in
 * for Slack's Web API on loopback notes when each {@code chat.postMessage} arrives; a Countersign node in
 * this process (SQLite, durable audit, the Slack channel as shipped) posts there through Slack's own
 * Java client. Requests go one at a time, so this is the latency a lone request sees, not a load test.
 * Usage: HeldToSlackLatency WORKDIR [requests]
 */
public final class HeldToSlackLatency {
    private static final String TOKEN = "xoxb-bench-0000";
    private static final Pattern ACTION_ID = Pattern.compile("act_[0-9a-f]{32}");

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Map<String, CompletableFuture<Long>> posted = new ConcurrentHashMap<>();
        HttpServer slack = fakeSlack(posted);
        Path config = work.resolve("config");
        configure(config, slack.getAddress().getPort());
        HttpClient http = HttpClient.newHttpClient();
        try (CountersignServer server = CountersignServer.start(config, "127.0.0.1", 0, Clock.systemUTC())) {
            URI actions = URI.create("http://127.0.0.1:" + server.port() + "/v1/actions");
            String key = ConfigDirectory.demoKey(config, "COUNTERSIGN_AGENT_KEY");
            int warmUp = Math.min(100, requests);
            long[] toSlack = new long[requests];
            long[] toAnswer = new long[requests];
            for (int i = -warmUp; i < requests; i++) {
                long start = System.nanoTime();
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(actions)
                        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(held(i))).build(), HttpResponse.BodyHandlers.ofString());
                long answered = System.nanoTime();
                if (answer.statusCode() != 202) {
                    throw new IllegalStateException("submit answered " + answer.statusCode() + ": " + answer.body());
                }
                String id = Json.parse(answer.body()).path("id").asString();
                long arrived = posted.computeIfAbsent(id, k -> new CompletableFuture<>()).get(30, TimeUnit.SECONDS);
                if (i >= 0) {
                    toAnswer[i] = answered - start;
                    toSlack[i] = arrived - start;
                }
            }
            Percentiles answers = Percentiles.of(toAnswer);
            Percentiles messages = Percentiles.of(toSlack);
            System.out.printf("submit answered (202, pending)       %s%n", answers.describe());
            System.out.printf("submit to chat.postMessage arriving %s  (%d requests, one at a time)%n", messages.describe(), requests);
            BenchResult result = BenchResult.of("end_to_end", "held action: submit to Slack message posted").metric("requests", requests);
            messages.addTo(result, "");
            answers.addTo(result, "submit_answered_").print();
        } finally {
            slack.stop(0);
        }
        System.exit(0);
    }

    private static String held(int i) {
        // The example policy holds production changes for one SRE; the bench rule adds a Slack channel.
        return """
                {"action": "bench.change", "resource": {"type": "service", "id": "checkout-%d", "env": "prod"},
                 "intent": {"summary": "Restart checkout replica %d"}, "payload": {"replica": %d}}""".formatted(i & 1023, i, i);
    }

    private static void configure(Path config, int slackPort) throws IOException {
        BenchConfig.unlimited(config);
        Path secrets = Files.createDirectories(config.resolve("secrets"));
        for (var secret : Map.of("slack-bot-token", TOKEN, "slack-signing-secret", "bench-signing-secret").entrySet()) {
            Files.writeString(secrets.resolve(secret.getKey()), secret.getValue());
            Files.setPosixFilePermissions(secrets.resolve(secret.getKey()), PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(config.resolve("countersign.yaml"), """

                slack:
                  bot_token: ${file:secrets/slack-bot-token}
                  signing_secret: ${file:secrets/slack-signing-secret}
                  api_url: http://127.0.0.1:%d/api/
                """.formatted(slackPort), StandardOpenOption.APPEND);
        Files.writeString(config.resolve("policies/bench.yaml"), """
                version: 1
                rules:
                  - id: bench-changes
                    when: action == "bench.change"
                    effect: require_approval
                    approvals: {min: 1, from: [sre]}
                    notify: ["slack:C0BENCH"]
                """);
    }

    /** Slack's Web API as far as posting goes: {@code POST /api/<method>}, form-encoded, {@code {"ok": true}}. */
    private static HttpServer fakeSlack(Map<String, CompletableFuture<Long>> posted) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger ts = new AtomicInteger();
        server.createContext("/api/", exchange -> {
            long arrived = System.nanoTime();
            String method = exchange.getRequestURI().getPath().substring("/api/".length());
            String body = URLDecoder.decode(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            var answer = Json.object().put("ok", ("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization")));
            if (method.equals("chat.postMessage")) {
                answer.put("channel", "C0BENCH").put("ts", "1767000000." + String.format("%06d", ts.incrementAndGet()));
                Matcher id = ACTION_ID.matcher(body);
                if (!body.contains("thread_ts=") && id.find()) {
                    posted.computeIfAbsent(id.group(), k -> new CompletableFuture<>()).complete(arrived);
                }
            } else if (method.equals("auth.test")) {
                answer.put("team_id", "T0BENCH").put("user_id", "U0BOT");
            }
            respond(exchange, Json.bytes(answer));
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    private static void respond(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
