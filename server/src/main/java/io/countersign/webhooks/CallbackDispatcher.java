package io.countersign.webhooks;

import io.countersign.audit.AuditEntry;
import io.countersign.audit.AuditLogStore;
import io.countersign.audit.LogEntry;
import io.countersign.store.CallbackStore;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Delivers queued callbacks, each destination on a virtual thread of its own and in log order: the head of a
 * destination's queue waits for its retry, and nothing else does. A destination's {@code Retry-After} is
 * honoured up to the callbacks' longest wait; a callback is given up after its schedule, or at once on 410
 * Gone. At most {@link #MOST_AT_ONCE} destinations are served at once, so many slow ones take turns instead of
 * taking the node. Runs on the node that leads.
 */
public final class CallbackDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CallbackDispatcher.class.getName());
    static final int MOST_AT_ONCE = 32;
    private static final Duration IDLE = Duration.ofMillis(500);
    /** Callbacks delivered to one destination before their results are written, in one commit. */
    private static final int RUN = 64;

    private final Callbacks callbacks;
    private final CallbackStore store;
    private final AuditLogStore log;
    private final WebhookPost post;
    private final BooleanSupplier leads;
    private final Clock clock;
    private final Set<String> serving = ConcurrentHashMap.newKeySet();
    private final Semaphore slots = new Semaphore(MOST_AT_ONCE);
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running = true;
    private Thread loop;

    private CallbackDispatcher(Callbacks callbacks, CallbackStore store, AuditLogStore log, String origin, BooleanSupplier leads, Clock clock) {
        this.callbacks = callbacks;
        this.store = store;
        this.log = log;
        this.post = new WebhookPost(origin, clock);
        this.leads = leads;
        this.clock = clock;
    }

    public static CallbackDispatcher start(Callbacks callbacks, CallbackStore store, AuditLogStore log, String origin, BooleanSupplier leads,
                                           Clock clock) {
        CallbackDispatcher dispatcher = new CallbackDispatcher(callbacks, store, log, origin, leads, clock);
        dispatcher.loop = Thread.ofVirtual().name("countersign-callback-dispatcher").start(dispatcher::run);
        return dispatcher;
    }

    /** Something was queued: look now rather than at the next round. */
    public void wake() {
        wake.release();
    }

    private void run() {
        while (running) {
            try {
                if (leads.getAsBoolean()) {
                    for (String destination : store.dueDestinations(clock.instant(), MOST_AT_ONCE)) {
                        if (serving.add(destination)) {
                            if (!slots.tryAcquire()) {
                                serving.remove(destination);
                                break;
                            }
                            Thread.ofVirtual().name("countersign-callbacks-" + destination).start(() -> serve(destination));
                        }
                    }
                }
                wake.tryAcquire(IDLE.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "dispatching callbacks paused", e);
                pause(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * Delivers a destination's due callbacks in order, until its head must wait or its queue is empty. A run of
     * deliveries is recorded in one write: a node stopped mid-run delivers those again, in order, as it would
     * one whose record it had not written.
     */
    private void serve(String destination) {
        try {
            while (running) {
                List<CallbackStore.Pending> heads = store.heads(destination, RUN);
                if (heads.isEmpty() || heads.getFirst().nextAt().isAfter(clock.instant())) {
                    return;
                }
                List<CallbackStore.Attempt> attempts = new ArrayList<>();
                try {
                    for (CallbackStore.Pending callback : heads) {
                        CallbackStore.Attempt attempt = deliver(callback);
                        attempts.add(attempt);
                        if (!attempt.done()) {
                            // This one waits for its retry, and everything behind it with it: log order.
                            break;
                        }
                    }
                } finally {
                    store.attempted(attempts);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "delivering callbacks to " + destination + " paused", e);
        } finally {
            serving.remove(destination);
            slots.release();
            wake();
        }
    }

    private CallbackStore.Attempt deliver(CallbackStore.Pending callback) throws InterruptedException {
        Instant now = clock.instant();
        Optional<byte[]> entry = log.entry(callback.logIndex());
        if (entry.isEmpty()) {
            return new CallbackStore.Attempt(callback.id(), callback.attempts(), null, "the log has no entry " + callback.logIndex(), true, false,
                    now, now);
        }
        int attempt = callback.attempts() + 1;
        WebhookPost.Attempt tried = post.send(URI.create(callback.url()), callbacks.key(), WebhookPost.webhookId(callback.logIndex()),
                post.payload(new LogEntry(callback.logIndex(), entry.get(), AuditEntry.decode(entry.get()))));
        now = clock.instant();
        if (tried.delivered() || tried.gone()) {
            return new CallbackStore.Attempt(callback.id(), attempt, tried.status(), tried.gone() ? "410 Gone" : null, true, tried.delivered(), now, now);
        }
        boolean last = attempt > callbacks.retry().size();
        if (last) {
            LOG.log(Level.WARNING, "gave up a callback to " + callback.destination() + " after " + attempt + " attempts: " + tried.failure());
        }
        Instant next = last ? now : now.plus(WebhookPost.wait(tried, callbacks.retry(), attempt));
        return new CallbackStore.Attempt(callback.id(), attempt, tried.status(), tried.failure(), last, false, next, now);
    }

    private void pause(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
