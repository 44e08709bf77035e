package io.countersign.channels.slack;

import io.countersign.identity.Identities;
import io.countersign.lifecycle.ActionService;
import io.countersign.store.ActionStore;
import io.helidon.webserver.http.HttpService;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * Slack as a review channel, wired from its settings: the notifier that posts and updates review
 * messages, and the ways clicks come back (the HTTP request URL, Socket Mode, or both).
 */
public final class SlackChannel implements AutoCloseable {
    private final SlackSettings settings;
    private final SlackClient client;
    private final SlackInteractions interactions;
    private final ActionStore store;
    private final Supplier<Identities> identities;
    private final Clock clock;
    private SlackNotifier notifier;
    private SlackSocketMode socketMode;

    public SlackChannel(SlackSettings settings, ActionService actions, ActionStore store, Supplier<Identities> identities, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.identities = identities;
        this.clock = clock;
        this.client = new SlackClient(settings.apiUrl(), settings.botToken());
        this.interactions = new SlackInteractions(client, actions, identities, clock, settings.teamId(), settings.appId());
    }

    /** The routes under {@code /v1/channels/slack}; null when clicks arrive only over Socket Mode. */
    public HttpService requestUrl() {
        return settings.requestUrl() ? new SlackRequestUrl(new SlackSignature(settings.signingSecret()), interactions, store.replays(), clock) : null;
    }

    /** Starts posting and, with an app token, the socket. */
    public void start() {
        notifier = SlackNotifier.start(client, store, identities, settings.consoleUrl(), clock);
        if (settings.socketMode()) {
            socketMode = SlackSocketMode.start(client, settings.appToken(), interactions, store.replays());
        }
    }

    @Override
    public void close() {
        if (socketMode != null) {
            socketMode.close();
        }
        if (notifier != null) {
            notifier.close();
        }
    }
}
