package io.countersign.bench;

import io.countersign.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Waiting capacity: how many agents one node holds in a long-poll ({@code GET /v1/actions/{id}?wait=60s})
 * at once, and the memory it takes. The node runs as users run it ({@code bin/countersign serve}, its own
 * process, so its memory is its own); this process submits held actions, opens one waiter per action in
 * steps, and reads the node's resident memory and heap (after a full GC, through {@code jcmd}) at each
 * step. At the end every waiter must still be waiting, and a sample of the actions is approved to show
 * the waiters are live: each must wake with the decision.
 * Usage: WaitingCapacity WORKDIR COUNTERSIGN_BIN JCMD [steps, e.g. 1000,5000,10000]
 */
public final class WaitingCapacity {
    private static final int PORT = 18473;

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args[0]));
        String countersign = args[1];
        String jcmd = args[2];
        int[] steps = java.util.Arrays.stream((args.length > 3 ? args[3] : "1000,5000,10000").split(",")).mapToInt(Integer::parseInt).toArray();
        int total = steps[steps.length - 1];
        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        try (BenchNode node = BenchNode.start(countersign, work, PORT, http)) {
            URI base = node.base;
            List<String> ids = submitHeld(http, base, node.key("agent"), total);
            long pid = node.pid();
            NodeMemory idle = NodeMemory.of(pid, jcmd);
            System.out.printf("%d actions pending, no waiter: RSS %d MiB, heap after GC %d MiB%n", total, idle.rssMiB(), idle.heapMiB());
            List<CompletableFuture<HttpResponse<String>>> waiters = new ArrayList<>();
            int opened = 0;
            for (int step : steps) {
                for (; opened < step; opened++) {
                    waiters.add(http.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/actions/" + ids.get(opened) + "?wait=60s"))
                            .timeout(Duration.ofSeconds(90)).header("Authorization", "Bearer " + node.key("agent")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                    if (opened % 250 == 249) {
                        Thread.sleep(20); // the listen backlog takes connects in bursts, not ten thousand at once
                    }
                }
                Thread.sleep(2_000);
                long ended = waiters.stream().filter(CompletableFuture::isDone).count();
                NodeMemory held = NodeMemory.of(pid, jcmd);
                System.out.printf("%6d waiters open (%d ended early): RSS %d MiB (+%d), heap after GC %d MiB (+%d), %.1f KiB per waiter%n",
                        step, ended, held.rssMiB(), held.rssMiB() - idle.rssMiB(), held.heapMiB(), held.heapMiB() - idle.heapMiB(),
                        (held.rssBytes() - idle.rssBytes()) / 1024.0 / step);
                BenchResult.of("waiting", step + " long-polls on one node").metric("waiters", step).metric("ended_early", ended)
                        .metric("rss_mib", held.rssMiB()).metric("rss_added_mib", held.rssMiB() - idle.rssMiB())
                        .metric("heap_after_gc_mib", held.heapMiB()).metric("rss_kib_per_waiter", (held.rssBytes() - idle.rssBytes()) / 1024.0 / step)
                        .print();
            }
            // Live, not merely connected: approving some of the actions must wake exactly their waiters.
            int sample = Math.min(200, total);
            long[] wake = new long[sample];
            for (int i = 0; i < sample; i++) {
                int index = (int) ((long) i * total / sample);
                long start = System.nanoTime();
                send(http, HttpRequest.newBuilder(base.resolve("/v1/actions/" + ids.get(index) + "/reviews"))
                        .header("Authorization", "Bearer " + node.key("alice")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"decision\": \"approve\", \"comment\": \"bench\"}")).build(), 200);
                HttpResponse<String> woke = waiters.get(index).get(10, TimeUnit.SECONDS);
                wake[i] = System.nanoTime() - start;
                String status = Json.parse(woke.body()).path("status").asString();
                if (woke.statusCode() != 200 || !status.equals("approved")) {
                    throw new IllegalStateException("waiter " + index + " woke with " + woke.statusCode() + " " + status);
                }
            }
            long stillWaiting = waiters.stream().filter(w -> !w.isDone()).count();
            Percentiles wakes = Percentiles.of(wake);
            System.out.printf("approve to waiter woken (%d of them): %s; %d others still waiting%n", sample, wakes.describe(), stillWaiting);
            wakes.addTo(BenchResult.of("waiting", "approve to waiter woken, " + total + " waiting").metric("sampled", sample)
                    .metric("still_waiting", stillWaiting), "").print();
        }
        System.exit(0);
    }

    private static List<String> submitHeld(HttpClient http, URI base, String agentKey, int count) throws Exception {
        String[] ids = new String[count];
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<Void>> submits = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            inFlight.acquire();
            String body = """
                    {"action": "deploy.restart", "resource": {"type": "service", "id": "checkout-%d", "env": "prod"},
                     "intent": {"summary": "Restart checkout replica %d"}, "payload": {"replica": %d}}""".formatted(n, n, n);
            submits.add(http.sendAsync(HttpRequest.newBuilder(base.resolve("/v1/actions")).header("Authorization", "Bearer " + agentKey)
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
                        inFlight.release();
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("submit answered " + response.statusCode() + ": " + response.body());
                        }
                        ids[n] = Json.parse(response.body()).path("id").asString();
                    }));
        }
        CompletableFuture.allOf(submits.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        return List.of(ids);
    }

    private static void send(HttpClient http, HttpRequest request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
