package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntBinaryOperator;

/**
 * Eight clients submitting as the demo agent until closed, allowed reads and held exports in turn, and
 * keeping the id of every request a node acknowledged (200 or 202). A node that is gone is skipped.
 */
final class SubmitLoad implements AutoCloseable {
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    /** How many answers of each status arrived. */
    final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    /** The longest a refusal (any status but 200 and 202) took to arrive. */
    final AtomicLong slowestRefusalNanos = new AtomicLong();
    /** A refusal whose body was not a JSON error, if one came. */
    final AtomicReference<String> malformedRefusal = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService clients = Executors.newFixedThreadPool(8);

    /** @param port which node's port client {@code c} sends its {@code i}-th request to */
    SubmitLoad(HttpClient http, String agentKey, IntBinaryOperator port) {
        for (int c = 0; c < 8; c++) {
            int client = c;
            clients.submit(() -> {
                for (int i = 0; running.get(); i++) {
                    String action = i % 2 == 0 ? "db.read" : "db.export";
                    String body = """
                            {"action": "%s", "resource": {"type": "postgres.table", "id": "t-%d-%d", "env": "dev"},
                             "intent": {"summary": "load %d/%d"}}""".formatted(action, client, i, client, i);
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                        + port.applyAsInt(client, i) + "/v1/actions"))
                                .header("Authorization", "Bearer " + agentKey).header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(response.statusCode(), status -> new LongAdder()).increment();
                        if (response.statusCode() == 200 || response.statusCode() == 202) {
                            acknowledged.add(Json.parse(response.body()).path("id").asString());
                        } else {
                            slowestRefusalNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                            if (!response.body().startsWith("{\"error\"")) {
                                malformedRefusal.set(response.statusCode() + " " + response.body());
                            }
                        }
                    } catch (IOException e) {
                        // That node is gone.
                    }
                }
                return null;
            });
        }
    }

    long answered(int status) {
        LongAdder count = statuses.get(status);
        return count == null ? 0 : count.sum();
    }

    /** Waits up to a minute until at least {@code count} requests were acknowledged. */
    void awaitAcknowledged(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(count);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
}
