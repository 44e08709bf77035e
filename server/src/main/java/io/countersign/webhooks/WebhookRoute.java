package io.countersign.webhooks;

import io.countersign.audit.LogEntry;
import io.countersign.audit.LogFollower;
import io.countersign.audit.LogSubscriber;
import io.countersign.audit.Rfc6962;
import io.countersign.json.Json;
import io.countersign.model.ActionId;
import io.countersign.store.WebhookStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stream of audit-log entries delivered as webhooks, signed per Standard Webhooks, in log order: every
 * entry to one configured endpoint, or each action's entries to the callback URL its requester named. A
 * receiver that is down is retried on its schedule and nothing is skipped (the position moves only past
 * delivered or given-up entries, in the same write that records the attempt), also across restarts. The
 * webhook-id is the entry's log index, so a receiver de-duplicates retries.
 */
public final class WebhookRoute implements LogSubscriber {
    private static final System.Logger LOG = System.getLogger(WebhookRoute.class.getName());
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** The position of the per-action callback route. */
    public static final String CALLBACKS = "callbacks";

    private final String cursor;
    private final String name;
    private final Function<LogEntry, WebhookEndpoint> target;
    private final boolean stopWhenGone;
    private final WebhookStore store;
    private final HttpClient http;
    private final String origin;
    private final Clock clock;

    /**
     * @param target       the endpoint an entry goes to, or null when it goes nowhere on this route
     * @param stopWhenGone whether a 410 Gone stops the whole route (a configured endpoint) or only that delivery
     */
    private WebhookRoute(String cursor, String name, Function<LogEntry, WebhookEndpoint> target, boolean stopWhenGone, WebhookStore store,
                         HttpClient http, String origin, Clock clock) {
        this.cursor = cursor;
        this.name = name;
        this.target = target;
        this.stopWhenGone = stopWhenGone;
        this.store = store;
        this.http = http;
        this.origin = origin;
        this.clock = clock;
    }

    /**
     * The routes of a node: one per configured endpoint that has not answered 410 Gone, and the callbacks
     * route when callbacks are allowed.
     *
     * @param callbackOf the callback URL of an action, if its requester named one
     * @param origin     the audit log's origin, which every payload names
     */
    public static List<WebhookRoute> of(List<WebhookEndpoint> endpoints, Callbacks callbacks, Function<ActionId, Optional<URI>> callbackOf,
                                        WebhookStore store, String origin, Clock clock) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        List<WebhookRoute> routes = new ArrayList<>();
        for (WebhookEndpoint endpoint : endpoints) {
            String cursor = endpoint.url().toString();
            if (store.disabled(cursor)) {
                LOG.log(Level.WARNING, "webhook endpoint " + cursor + " is disabled (it answered 410 Gone)");
                continue;
            }
            routes.add(new WebhookRoute(cursor, "countersign-webhook-" + endpoint.url().getHost(), entry -> endpoint, true, store, http,
                    origin, clock));
        }
        if (!callbacks.allowedHosts().isEmpty()) {
            routes.add(new WebhookRoute(CALLBACKS, "countersign-callbacks", entry -> {
                ActionId id = entry.event().actionId();
                return id == null ? null : callbackOf.apply(id).map(callbacks::endpoint).orElse(null);
            }, false, store, http, origin, clock));
        }
        return routes;
    }

    @Override
    public String cursor() {
        return cursor;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LogFollower.Handled handle(LogFollower follower, LogEntry entry) throws InterruptedException {
        WebhookEndpoint endpoint = target.apply(entry);
        if (endpoint == null) {
            return LogFollower.Handled.PASSED;
        }
        return deliver(follower, endpoint, entry) ? LogFollower.Handled.RECORDED : LogFollower.Handled.STOP;
    }

    /** @return false when the route is gone (410 from a configured endpoint) or the follower is closing */
    private boolean deliver(LogFollower follower, WebhookEndpoint endpoint, LogEntry entry) throws InterruptedException {
        String id = "msg_" + entry.index();
        byte[] body = payload(entry);
        for (int attempt = 1; follower.running(); attempt++) {
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
                store.attempted(new WebhookStore.Delivery(cursor, entry.index(), id, attempt, status, null, now, null), now);
                return true;
            }
            if (status != null && status == 410) {
                store.attempted(new WebhookStore.Delivery(cursor, entry.index(), id, attempt, status, "410 Gone", null,
                        stopWhenGone ? null : now), now);
                if (stopWhenGone) {
                    store.disable(cursor, "answered 410 Gone to " + id, now);
                    return false;
                }
                return true;
            }
            boolean last = attempt > endpoint.retry().size();
            store.attempted(new WebhookStore.Delivery(cursor, entry.index(), id, attempt, status, error != null ? error : "HTTP " + status,
                    null, last ? now : null), now);
            if (last) {
                LOG.log(Level.ERROR, "gave up delivering " + id + " to " + endpoint + " after " + attempt + " attempts");
                return true;
            }
            Duration wait = retryAfter != null ? retryAfter : jitter(endpoint.retry().get(attempt - 1));
            if (!follower.pause(wait)) {
                return false;
            }
        }
        return false;
    }

    /** The entry as it is in the log, with where it is in the tree, so a receiver can ask for its proof. */
    private byte[] payload(LogEntry entry) {
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

    private static Duration jitter(Duration wait) {
        long millis = wait.toMillis();
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(Math.max(1, millis / 10)));
    }
}
