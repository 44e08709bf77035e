package io.countersign.webhooks;

import io.countersign.audit.LogFollower;
import io.countersign.audit.Rfc6962;
import io.countersign.json.Json;
import io.countersign.store.AuditLogStore;
import io.countersign.store.WebhookStore;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import io.countersign.model.ActionId;
import java.net.URI;
import java.util.Optional;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
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
    /** The cursor of the per-action callback route. */
    public static final String CALLBACKS = "callbacks";

    private final AuditLogStore log;
    private final WebhookStore store;
    private final String origin;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<LogFollower> followers = new ArrayList<>();

    private final java.util.function.BooleanSupplier leads;

    private WebhookDispatcher(AuditLogStore log, WebhookStore store, java.util.function.BooleanSupplier leads, String origin, Clock clock) {
        this.leads = leads;
        this.log = log;
        this.store = store;
        this.origin = origin;
        this.clock = clock;
    }

    /**
     * A stream of deliveries with a durable cursor of its own: every entry to one configured endpoint, or
     * each action's entries to the callback URL its requester named.
     *
     * @param target the endpoint an entry goes to, or null when it goes nowhere on this route
     * @param stopWhenGone whether a 410 Gone stops the whole route (a configured endpoint) or only that delivery
     */
    private record Route(String cursor, Function<JsonNode, WebhookEndpoint> target, boolean stopWhenGone) {
    }

    /**
     * @param callbackOf the callback URL of an action, if its requester named one
     * @param leads      whether this node delivers now (one node of a cluster does)
     */
    public static WebhookDispatcher start(List<WebhookEndpoint> endpoints, Callbacks callbacks,
                                          Function<ActionId, Optional<URI>> callbackOf, AuditLogStore log, WebhookStore store,
                                          java.util.function.BooleanSupplier leads, String origin, Clock clock) {
        WebhookDispatcher dispatcher = new WebhookDispatcher(log, store, leads, origin, clock);
        for (WebhookEndpoint endpoint : endpoints) {
            Route route = new Route(endpoint.url().toString(), entry -> endpoint, true);
            if (store.disabled(route.cursor())) {
                LOG.log(Level.WARNING, "webhook endpoint " + route.cursor() + " is disabled (it answered 410 Gone)");
                continue;
            }
            dispatcher.start("countersign-webhook-" + endpoint.url().getHost(), route);
        }
        if (!callbacks.allowedHosts().isEmpty()) {
            dispatcher.start("countersign-callbacks", new Route(CALLBACKS, entry -> {
                String id = entry.path("action_id").asString("");
                if (!ActionId.isWellFormed(id)) {
                    return null;
                }
                return callbackOf.apply(new ActionId(id)).map(callbacks::endpoint).orElse(null);
            }, false));
        }
        return dispatcher;
    }

    private void start(String threadName, Route route) {
        followers.add(LogFollower.start(threadName, route.cursor(), log, store, IDLE, leads, (follower, index, entry, parsed) -> {
            WebhookEndpoint endpoint = route.target().apply(parsed);
            if (endpoint == null) {
                return LogFollower.Handled.PASSED;
            }
            return deliver(follower, route, endpoint, index, entry, parsed) ? LogFollower.Handled.RECORDED : LogFollower.Handled.STOP;
        }));
    }

    /** @return false when the route is gone (410 from a configured endpoint) or the dispatcher is closing */
    private boolean deliver(LogFollower follower, Route route, WebhookEndpoint endpoint, long index, byte[] entry, JsonNode parsed)
            throws InterruptedException {
        String id = "msg_" + index;
        byte[] body = payload(index, entry, parsed);
        String name = route.cursor();
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
                store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, null, now, null), now);
                return true;
            }
            if (status != null && status == 410) {
                store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, "410 Gone", null,
                        route.stopWhenGone() ? null : now), now);
                if (route.stopWhenGone()) {
                    store.disable(name, "answered 410 Gone to " + id, now);
                    return false;
                }
                return true;
            }
            boolean last = attempt > endpoint.retry().size();
            store.attempted(new WebhookStore.Delivery(name, index, id, attempt, status, error != null ? error : "HTTP " + status,
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

    private byte[] payload(long index, byte[] entry, JsonNode parsed) {
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

    @Override
    public void close() {
        followers.forEach(LogFollower::close);
    }
}
