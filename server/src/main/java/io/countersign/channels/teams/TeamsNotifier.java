package io.countersign.channels.teams;

import io.countersign.audit.LogFollower;
import io.countersign.channels.ChatDelivery;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.policy.RequireApproval;
import io.countersign.store.ActionStore;
import io.countersign.store.ChatMessageStore;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Sends review requests to Teams and keeps the sent cards true to the request. Like the Slack channel it
 * follows the audit log with a durable cursor: a request whose rules {@code notify} {@code teams:NAME}
 * is sent once to that conversation (as the bot, with Approve / Deny) or workflow (notify only, with a
 * link to the console); every later entry about it replaces each bot card with one rendered from the
 * stored record, buttons gone once decided. Nothing is lost or sent twice across a restart.
 */
final class TeamsNotifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TeamsNotifier.class.getName());
    static final String CURSOR = "channel:teams";
    /** How a workflow post is remembered: such a card cannot be updated, only not sent again. */
    private static final String WORKFLOW = "workflow:";

    private final TeamsSettings settings;
    private final BotConnector bot;
    private final WorkflowsWebhook workflows;
    private final ActionStore store;
    private final Clock clock;
    private LogFollower follower;

    private TeamsNotifier(TeamsSettings settings, BotConnector bot, WorkflowsWebhook workflows, ActionStore store, Clock clock) {
        this.settings = settings;
        this.bot = bot;
        this.workflows = workflows;
        this.store = store;
        this.clock = clock;
    }

    /** @param bot null when Teams is notify-only */
    static TeamsNotifier start(TeamsSettings settings, BotConnector bot, WorkflowsWebhook workflows, ActionStore store, Clock clock) {
        TeamsNotifier notifier = new TeamsNotifier(settings, bot, workflows, store, clock);
        notifier.follower = ChatDelivery.follow("countersign-teams", CURSOR, store, notifier::act);
        return notifier;
    }

    /** @return whether Teams was called for this entry */
    private boolean act(LogFollower follower, JsonNode entry) {
        Optional<ChatDelivery.Subject> subject = ChatDelivery.subject(store, "teams", entry);
        if (subject.isEmpty()) {
            return false;
        }
        ActionRecord record = subject.get().record();
        List<ChatMessageStore.Posted> sent = subject.get().posted();
        if (sent.isEmpty()) {
            return announce(follower, record);
        }
        boolean called = false;
        for (ChatMessageStore.Posted card : sent) {
            if (bot != null && !card.channel().startsWith(WORKFLOW)) {
                ChatDelivery.attempt(follower, "update activity", () -> bot.update(card.channel(), card.messageId(),
                        ReviewCard.interactive(record, settings.consoleUrl())));
                called = true;
            }
        }
        return called;
    }

    private boolean announce(LogFollower follower, ActionRecord record) {
        if (!(record.decision() instanceof RequireApproval required)) {
            return false;
        }
        boolean called = false;
        for (String target : required.channels()) {
            if (!target.startsWith("teams:")) {
                continue;
            }
            String name = target.substring("teams:".length());
            String conversation = settings.conversation(name);
            URI workflow = settings.workflows().get(name);
            if (conversation != null && bot != null) {
                ChatDelivery.attempt(follower, "send activity", () -> bot.send(conversation, ReviewCard.interactive(record, settings.consoleUrl())))
                        .ifPresent(activity -> remember(record, conversation, activity));
                called = true;
            } else if (workflow != null) {
                ChatDelivery.attempt(follower, "workflow " + name, () -> {
                    workflows.post(name, workflow, ReviewCard.notifyOnly(record, settings.consoleUrl()));
                    return "posted";
                }).ifPresent(posted -> remember(record, WORKFLOW + name, posted));
                called = true;
            } else {
                LOG.log(Level.WARNING, "policy notifies " + target + " but teams.conversations and teams.workflows have no '" + name + "'");
            }
        }
        return called;
    }

    private void remember(ActionRecord record, String channel, String messageId) {
        store.chatMessages().posted(new ChatMessageStore.Posted(record.id(), "teams", channel, messageId, clock.instant()));
    }

    /** Lets the entry in hand finish, so a card sent is also recorded and a restart does not send it again. */
    @Override
    public void close() {
        follower.close();
    }
}
