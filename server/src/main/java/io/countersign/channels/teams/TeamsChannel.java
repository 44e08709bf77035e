package io.countersign.channels.teams;

import io.countersign.channels.ReviewChannel;
import io.countersign.events.ActionEvent;
import io.countersign.identity.Identities;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.store.ChatMessageStore;
import io.countersign.store.ReplayStore;
import io.helidon.webserver.http.HttpService;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Microsoft Teams as a review channel. A request whose rules {@code notify} {@code teams:NAME} is sent to
 * that conversation as the bot, with Approve / Deny, or to that Workflows webhook (notify only, with a link
 * to the console); every later change replaces each bot card with one rendered from the stored record,
 * buttons gone once decided. Clicks on cards come back to the bot's messaging endpoint.
 */
public final class TeamsChannel implements ReviewChannel {
    private static final System.Logger LOG = System.getLogger(TeamsChannel.class.getName());
    /** How a workflow post is remembered: such a card cannot be updated, only not sent again. */
    private static final String WORKFLOW = "workflow:";

    private final TeamsSettings settings;
    private final HttpClient http;
    private final BotConnector bot;
    private final WorkflowsWebhook workflows;
    private final TeamsMessages messages;

    public TeamsChannel(TeamsSettings settings, ActionService actions, ReplayStore replays, Supplier<Identities> identities, Clock clock) {
        this.settings = settings;
        // Microsoft's endpoints never redirect a bot; a redirect could carry its token elsewhere.
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();
        this.workflows = new WorkflowsWebhook(http);
        if (settings.bot() == null) {
            this.bot = null;
            this.messages = null;
        } else {
            this.bot = new BotConnector(settings.bot(), http, clock);
            BotTokenVerifier verifier = new BotTokenVerifier(settings.bot(), new BotKeys(settings.bot().openIdMetadata(), http, clock), clock);
            this.messages = new TeamsMessages(verifier, new TeamsInvokes(actions, identities, settings.consoleUrl(), clock), replays, clock);
        }
    }

    @Override
    public String system() {
        return "teams";
    }

    /** The bot's conversation of that name when there is a bot, else the workflow of that name. */
    @Override
    public Optional<String> destination(String name) {
        String conversation = settings.conversation(name);
        if (conversation != null && bot != null) {
            return Optional.of(conversation);
        }
        if (settings.workflows().containsKey(name)) {
            return Optional.of(WORKFLOW + name);
        }
        LOG.log(Level.WARNING, "policy notifies teams:" + name + " but teams.conversations and teams.workflows have no '" + name + "'");
        return Optional.empty();
    }

    @Override
    public String post(String destination, ActionRecord record) {
        if (destination.startsWith(WORKFLOW)) {
            String name = destination.substring(WORKFLOW.length());
            URI workflow = settings.workflows().get(name);
            workflows.post(name, workflow, ReviewCard.notifyOnly(record, settings.consoleUrl()));
            return "posted";
        }
        return bot.send(destination, ReviewCard.interactive(record, settings.consoleUrl()));
    }

    /** A bot card is replaced; a workflow's card cannot be changed once posted. */
    @Override
    public void update(ChatMessageStore.Posted card, ActionRecord record, ActionEvent event) {
        if (bot != null && !card.channel().startsWith(WORKFLOW)) {
            bot.update(card.channel(), card.messageId(), ReviewCard.interactive(record, settings.consoleUrl()));
        }
    }

    @Override
    public Optional<HttpService> routes() {
        return Optional.ofNullable(messages);
    }

    @Override
    public String withoutRoutes() {
        return "Teams is notify-only here (workflows, no bot): there are no cards to click";
    }

    @Override
    public void close() {
        http.close();
    }
}
