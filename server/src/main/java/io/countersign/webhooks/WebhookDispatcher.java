package io.countersign.webhooks;

import io.countersign.audit.Rfc6962;
import io.countersign.json.Json;
import io.countersign.store.AuditLogStore;
import io.countersign.store.WebhookStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivers every audit-log entry to each configured endpoint, in log order, signed per Standard
 * Webhooks. Each endpoint has its own virtual thread and cursor; a receiver that is down is retried on
 * its schedule and nothing is skipped (the cursor moves only past delivered or given-up entries), also
 * across restarts. The webhook-id is the entry's log index, so a receiver de-duplicates retries.
 */
public final class WebhookDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WebhookDispatcher.class.getName());
    private static final Duration IDLE = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int BATCH = 64;

    private final AuditLogStore log;
    private final WebhookStore store;
    private final String origin;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    private WebhookDispatcher(AuditLogStore log, WebhookStore store, String origin, Clock clock) {
        this.log = log;
        this.store = store;
        this.origin = origin;
        this.clock = clock;
    }

    public static WebhookDispatcher start(List<WebhookEndpoint> endpoints, AuditLogStore log, WebhookStore store,
                                          String origin, Clock clock) {
        WebhookDispatcher dispatcher = new WebhookDispatcher(log, store, origin, clock);
        for (WebhookEndpoint endpoint : endpoints) {
            dispatcher.threads.add(Thread.ofVirtual().name("countersign-webhook-" + endpoint.url().getHost())
                    .start(() -> dispatcher.serve(endpoint)));
        }
        return dispatcher;
    }

    private void serve(WebhookEndpoint endpoint) {
        String name = endpoint.url().toString();
        // This thread alone moves the endpoint's cursor, so it is read from the store only at start and
        // after a store failure; otherwise it follows the deliveries it records.
        long next = -1;
        while (running) {
            try {
                if (next < 0) {
                    next = store.cursor(name, log.size());
                    if (store.disabled(name)) {
                        LOG.log(Level.WARNING, "webhook endpoint " + name + " is disabled (it answered 410 Gone)");
                        return;
                    }
                }
                long end = Math.min(log.size(), next + BATCH);
                if (next >= end) {
                    Thread.sleep(IDLE);
                    continue;
                }
                List<byte[]> entries = new ArrayList<>();
                log.entries(next, end, (index, entry, leafHash) -> entries.add(entry));
                for (byte[] entry : entries) {
                    if (!running || !deliver(endpoint, next, entry)) {
                        return;
                    }
                    next++;
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The store may be briefly unavailable; the cursor is durable, so start again from it.
                LOG.log(Level.WARNING, "webhook delivery to " + name + " paused", e);
                next = -1;
                if (!pause(Duration.ofSeconds(1))) {
                    return;
                }
            }
        }
    }

    /** @return false when the endpoint is gone (410) or the dispatcher is closing */
    private boolean deliver(WebhookEndpoint endpoint, long index, byte[] entry) throws InterruptedException {
        String id = "msg_" + index;
        byte[] body = payload(index, entry);
        String name = endpoint.url().toString();
        for (int attempt = 1; running; attempt++) {
            Integer status = null;
            String error = null;
            Duration retryAfter = null;
            long timestamp = clock.instant().getEpochSecond();
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(endpoint.url())
                        .timeout(TIMEOUT)
                        .header("Content-Type", "application/json")
                        .header("webhook-id", id)
                        .header("webhook-timestamp", Long.toString(timestamp))
                        .header("webhook-signature", WebhookSignature.sign(endpoint.key(), id, timestamp, body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
                retryAfter = response.headers().firstValue("retry-after").filter(v -> v.matches("[0-9]{1,6}"))
                        .map(v -> Duration.ofSeconds(Long.parseLong(v))).orElse(null);
            } catch (IOException e) {
                error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            Instant now = clock.instant();
            if (status != null && status / 100 == 2) {
                store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, null, now, null), now);
                return true;
            }
            if (status != null && status == 410) {
                store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, "410 Gone", null, null), now);
                store.disable(name, "answered 410 Gone to " + id, now);
                return false;
            }
            boolean last = attempt > endpoint.retry().size();
            store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, error != null ? error : "HTTP " + status,
                    null, last ? now : null), now);
            if (last) {
                LOG.log(Level.ERROR, "gave up delivering " + id + " to " + name + " after " + attempt + " attempts");
                return true;
            }
            Duration wait = retryAfter != null ? retryAfter : jitter(endpoint.retry().get(attempt - 1));
            if (!pause(wait)) {
                return false;
            }
        }
        return false;
    }

    private byte[] payload(long index, byte[] entry) {
        var parsed = Json.parse(new String(entry, StandardCharsets.UTF_8));
        ObjectNode payload = Json.object();
        payload.put("type", parsed.path("type").asString());
        payload.put("timestamp", parsed.path("time").asString());
        ObjectNode data = payload.putObject("data");
        data.put("log_origin", origin);
        data.put("log_index", index);
        data.put("leaf_hash", Rfc6962.base64(Rfc6962.leafHash(entry)));
        data.set("entry", parsed);
        return Json.bytes(payload);
    }

    private static Duration jitter(Duration wait) {
        long millis = wait.toMillis();
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(Math.max(1, millis / 10)));
    }

    private boolean pause(Duration wait) {
        try {
            Thread.sleep(wait);
            return running;
        } catch (InterruptedException e) {
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Thread thread : threads) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
