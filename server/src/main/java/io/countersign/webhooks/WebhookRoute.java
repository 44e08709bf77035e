package io.countersign.webhooks;

import io.countersign.audit.LogEntry;
import io.countersign.audit.LogFollower;
import io.countersign.audit.LogSubscriber;
import io.countersign.store.WebhookStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every audit-log entry delivered to one configured webhook endpoint, signed per Standard Webhooks, in log
 * order. A receiver that is down is retried on its schedule (its {@code Retry-After} honoured up to the
 * schedule's longest wait) and nothing is skipped: the position moves only past delivered or given-up entries,
 * in the same write that records the attempt, also across restarts. A 410 Gone stops the endpoint for good.
 * Each endpoint has a route of its own: one that is slow or down delays no other.
 */
public final class WebhookRoute implements LogSubscriber {
    private static final System.Logger LOG = System.getLogger(WebhookRoute.class.getName());

    private final WebhookEndpoint endpoint;
    private final WebhookStore store;
    private final WebhookPost post;
    private final Clock clock;

    private WebhookRoute(WebhookEndpoint endpoint, WebhookStore store, WebhookPost post, Clock clock) {
        this.endpoint = endpoint;
        this.store = store;
        this.post = post;
        this.clock = clock;
    }

    /**
     * One route per configured endpoint that has not answered 410 Gone.
     *
     * @param origin the audit log's origin, which every payload names
     */
    public static List<WebhookRoute> of(List<WebhookEndpoint> endpoints, WebhookStore store, String origin, Clock clock) {
        WebhookPost post = new WebhookPost(origin, clock);
        List<WebhookRoute> routes = new ArrayList<>();
        for (WebhookEndpoint endpoint : endpoints) {
            if (store.disabled(endpoint.url().toString())) {
                LOG.log(Level.WARNING, "webhook endpoint " + endpoint + " is disabled (it answered 410 Gone)");
                continue;
            }
            routes.add(new WebhookRoute(endpoint, store, post, clock));
        }
        return routes;
    }

    @Override
    public String cursor() {
        return endpoint.url().toString();
    }

    @Override
    public String name() {
        return "countersign-webhook-" + endpoint.url().getHost();
    }

    @Override
    public LogFollower.Handled handle(LogFollower follower, LogEntry entry) throws InterruptedException {
        String id = WebhookPost.webhookId(entry.index());
        byte[] body = post.payload(entry);
        String name = cursor();
        for (int attempt = 1; follower.running(); attempt++) {
            WebhookPost.Attempt tried = post.send(endpoint.url(), endpoint.key(), id, body);
            Instant now = clock.instant();
            if (tried.delivered()) {
                store.attempted(new WebhookStore.Delivery(name, entry.index(), id, attempt, tried.status(), null, now, null), now);
                return LogFollower.Handled.RECORDED;
            }
            if (tried.gone()) {
                store.attempted(new WebhookStore.Delivery(name, entry.index(), id, attempt, tried.status(), "410 Gone", null, null), now);
                store.disable(name, "answered 410 Gone to " + id, now);
                return LogFollower.Handled.STOP;
            }
            boolean last = attempt > endpoint.retry().size();
            store.attempted(new WebhookStore.Delivery(name, entry.index(), id, attempt, tried.status(), tried.failure(), null,
                    last ? now : null), now);
            if (last) {
                LOG.log(Level.ERROR, "gave up delivering " + id + " to " + endpoint + " after " + attempt + " attempts");
                return LogFollower.Handled.RECORDED;
            }
            Duration wait = WebhookPost.wait(tried, endpoint.retry(), attempt);
            if (!follower.pause(wait)) {
                return LogFollower.Handled.STOP;
            }
        }
        return LogFollower.Handled.STOP;
    }
}
