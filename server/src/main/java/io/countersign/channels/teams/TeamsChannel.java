package io.countersign.channels.teams;

import io.countersign.identity.Identities;
import io.countersign.lifecycle.ActionService;
import io.countersign.store.ActionStore;
import io.helidon.webserver.http.HttpService;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Microsoft Teams as a review channel, wired from its settings: the bot's messaging endpoint (clicks on
 * review cards), the notifier that sends and replaces the cards, and Workflows webhooks for
 * notify-only posts.
 */
public final class TeamsChannel implements AutoCloseable {
    private final TeamsSettings settings;
    private final ActionStore store;
    private final Clock clock;
    private final HttpClient http;
    private final BotConnector bot;
    private final TeamsMessages messages;
    private TeamsNotifier notifier;

    public TeamsChannel(TeamsSettings settings, ActionService actions, ActionStore store, Supplier<Identities> identities, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.clock = clock;
        // Microsoft's endpoints never redirect a bot; a redirect could carry its token elsewhere.
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        if (settings.bot() == null) {
            this.bot = null;
            this.messages = null;
        } else {
            this.bot = new BotConnector(settings.bot(), http, clock);
            BotTokenVerifier verifier = new BotTokenVerifier(settings.bot(), new BotKeys(settings.bot().openIdMetadata(), http, clock), clock);
            this.messages = new TeamsMessages(verifier, new TeamsInvokes(actions, identities, settings.consoleUrl(), clock), store.replays(), clock);
        }
    }

    /** The routes under {@code /v1/channels/teams}; null when Teams is notify-only (no bot). */
    public HttpService messages() {
        return messages;
    }

    public void start() {
        notifier = TeamsNotifier.start(settings, bot, new WorkflowsWebhook(http), store, clock);
    }

    @Override
    public void close() {
        if (notifier != null) {
            notifier.close();
        }
        http.close();
    }
}
