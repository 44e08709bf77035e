package io.countersign.webhooks;

import io.countersign.audit.LogEntry;
import io.countersign.audit.Rfc6962;
import io.countersign.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.node.ObjectNode;

/**
 * One audit-log entry as a Standard Webhooks delivery: its payload (the entry as logged, with where it
 * stands in the tree) and one signed POST of it. The webhook-id is the entry's log index, so a receiver
 * de-duplicates retries. Redirects are never followed.
 */
final class WebhookPost {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** How one attempt went: the status (null when no answer came), the wait the receiver asked for, or the error. */
    record Attempt(Integer status, Duration retryAfter, String error) {
        boolean delivered() {
            return status != null && status / 100 == 2;
        }

        boolean gone() {
            return status != null && status == 410;
        }

        String failure() {
            return error != null ? error : "HTTP " + status;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final String origin;
    private final Clock clock;

    /** @param origin the audit log's origin, which every payload names */
    WebhookPost(String origin, Clock clock) {
        this.origin = origin;
        this.clock = clock;
    }

    static String webhookId(long index) {
        return "msg_" + index;
    }

    /** The entry as it is in the log, with where it is in the tree, so a receiver can ask for its proof. */
    byte[] payload(LogEntry entry) {
        ObjectNode logged = (ObjectNode) entry.json();
        ObjectNode payload = Json.object();
        payload.put("type", entry.event().type().wireName());
        payload.put("timestamp", logged.path("time").asString());
        ObjectNode data = payload.putObject("data");
        data.put("log_origin", origin);
        data.put("log_index", entry.index());
        data.put("leaf_hash", Rfc6962.base64(Rfc6962.leafHash(entry.bytes())));
        data.set("entry", logged);
        return Json.bytes(payload);
    }

    Attempt send(URI url, byte[] key, String id, byte[] body) throws InterruptedException {
        long timestamp = clock.instant().getEpochSecond();
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url)
                    .timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", Long.toString(timestamp))
                    .header("webhook-signature", WebhookSignature.sign(key, id, timestamp, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            Duration retryAfter = response.headers().firstValue("retry-after").filter(v -> v.matches("[0-9]{1,9}"))
                    .map(v -> Duration.ofSeconds(Long.parseLong(v))).orElse(null);
            return new Attempt(response.statusCode(), retryAfter, null);
        } catch (IOException e) {
            return new Attempt(null, null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    /**
     * How long to wait before attempt {@code attempt + 1}: what the receiver asked for, but never longer than the
     * schedule's longest wait (a receiver cannot park its deliveries, or anyone's, for days); else the schedule's,
     * with a little jitter.
     */
    static Duration wait(Attempt last, List<Duration> schedule, int attempt) {
        Duration longest = schedule.stream().max(Duration::compareTo).orElse(Duration.ofSeconds(1));
        if (last.retryAfter() != null) {
            return last.retryAfter().compareTo(longest) > 0 ? longest : last.retryAfter();
        }
        long millis = schedule.get(Math.min(attempt, schedule.size()) - 1).toMillis();
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(Math.max(1, millis / 10)));
    }
}
