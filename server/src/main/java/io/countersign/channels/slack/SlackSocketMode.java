package io.countersign.channels.slack;

import com.slack.api.Slack;
import com.slack.api.socket_mode.SocketModeClient;
import com.slack.api.socket_mode.impl.SocketModeClientJavaWSImpl;
import com.slack.api.socket_mode.request.InteractiveEnvelope;
import io.countersign.channels.ReplayGuard;
import io.countersign.store.ReplayStore;
import io.countersign.store.StoreUnavailableException;
import io.countersign.json.Json;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack interactions over Socket Mode, for deployments Slack cannot reach: Countersign opens the
 * WebSocket ({@code apps.connections.open} with the app-level token) and Slack sends clicks down it.
 * Slack's own client keeps the session (pings, and a fresh URL on {@code disconnect}); this class only
 * acknowledges each envelope, with the reply a modal needs, and keeps trying to connect while Slack is
 * unreachable so that a Slack outage never stops Countersign from starting.
 */
public final class SlackSocketMode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SlackSocketMode.class.getName());
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);
    private static final Duration REMEMBERED = Duration.ofMinutes(10);

    private final Slack slack;
    private final String appToken;
    private final SlackInteractions interactions;
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Envelopes handled lately: Slack sends an envelope again when it missed the ack, and it must count once. */
    private final ReplayGuard handled;
    private final Thread connector;
    private volatile SocketModeClient client;

    private SlackSocketMode(Slack slack, String appToken, SlackInteractions interactions, ReplayStore replays) {
        this.handled = new ReplayGuard(replays, "slack-envelope");
        this.slack = slack;
        this.appToken = appToken;
        this.interactions = interactions;
        this.connector = Thread.ofVirtual().name("countersign-slack-socket").unstarted(this::connect);
    }

    public static SlackSocketMode start(SlackClient client, String appToken, SlackInteractions interactions, ReplayStore replays) {
        SlackSocketMode socketMode = new SlackSocketMode(client.slack(), appToken, interactions, replays);
        socketMode.connector.start();
        return socketMode;
    }

    private void connect() {
        Duration wait = FIRST_RETRY;
        while (closed.getCount() > 0) {
            try {
                SocketModeClient opened = new SocketModeClientJavaWSImpl(slack, appToken, slack.issueSocketModeUrl(appToken));
                opened.addInteractiveEnvelopeListener(this::receive);
                synchronized (this) {
                    if (closed.getCount() == 0) {
                        opened.close();
                        return;
                    }
                    client = opened;
                }
                opened.connect();
                LOG.log(Level.INFO, "Slack Socket Mode connected");
                return;
            } catch (IOException | URISyntaxException | RuntimeException e) {
                // Slack's message, never the token: apps.connections.open answers errors such as invalid_auth.
                LOG.log(Level.WARNING, "Slack Socket Mode could not connect (" + e.getMessage() + "); retrying in " + wait.toSeconds() + " s");
            }
            try {
                if (closed.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            wait = wait.multipliedBy(2).compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : wait.multipliedBy(2);
        }
    }

    private void receive(InteractiveEnvelope envelope) {
        String envelopeId = envelope.getEnvelopeId();
        if (envelopeId == null) {
            return;
        }
        Instant now = Instant.now();
        ObjectNode ack = Json.object();
        ack.put("envelope_id", envelopeId);
        boolean first;
        try {
            first = handled.firstTime(envelopeId, now.plus(REMEMBERED), now);
        } catch (StoreUnavailableException e) {
            // Not acknowledged: Slack sends the envelope again, and it is taken once the store answers.
            LOG.log(Level.WARNING, "a Slack envelope was not taken, the store is unavailable: " + e.getMessage());
            return;
        }
        if (first) {
            JsonNode payload = envelope.getPayload() == null ? null : Json.parse(envelope.getPayload().toString());
            if (payload != null && payload.isObject()) {
                switch (interactions.handle(payload)) {
                    case SlackInteractions.Reply.Respond respond -> ack.set("payload", respond.body());
                    case SlackInteractions.Reply.Refused refused -> LOG.log(Level.WARNING, "a Slack interaction was refused: " + refused.message());
                    case SlackInteractions.Reply.Acknowledged ignored -> {
                    }
                }
            }
        }
        SocketModeClient current = client;
        if (current != null) {
            current.sendSocketModeResponse(Json.text(ack));
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed.countDown();
        }
        connector.interrupt();
        SocketModeClient current = client;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "closing the Slack socket failed: " + e.getMessage());
            }
        }
    }
}
