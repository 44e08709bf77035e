package io.countersign.channels.slack;

import io.countersign.audit.LogFollower;
import io.countersign.channels.ChatDelivery;
import io.countersign.identity.Identities;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.Principal;
import io.countersign.policy.RequireApproval;
import io.countersign.store.ActionStore;
import io.countersign.store.ChatMessageStore;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import tools.jackson.databind.JsonNode;

/**
 * Posts review requests to Slack and keeps the posted messages true to the request. It follows the
 * audit log with a durable cursor, as webhooks do: a request whose rules {@code notify} a Slack channel
 * (or {@code slack:@alice}, a reviewer's DM) is posted once; every later entry about it updates each
 * posted message from the stored record with {@code chat.update} (buttons gone once decided) and adds
 * a line to the message's thread: who reviewed, how it ended. How it ended also goes by DM to the humans
 * behind the request who have a Slack account. Nothing is lost across a restart.
 */
public final class SlackNotifier implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SlackNotifier.class.getName());
    static final String CURSOR = "channel:slack";
    /** How a request ends for the people waiting on it; each is told by DM as well as in the thread. */
    private static final Set<String> FINAL = Set.of("action.approved", "action.denied", "action.expired");

    private final SlackClient slack;
    private final ActionStore store;
    private final Supplier<Identities> identities;
    private final URI console;
    private final Clock clock;
    private LogFollower follower;

    private SlackNotifier(SlackClient slack, ActionStore store, Supplier<Identities> identities, URI console, Clock clock) {
        this.slack = slack;
        this.store = store;
        this.identities = identities;
        this.console = console;
        this.clock = clock;
    }

    public static SlackNotifier start(SlackClient slack, ActionStore store, Supplier<Identities> identities, URI console, Clock clock) {
        SlackNotifier notifier = new SlackNotifier(slack, store, identities, console, clock);
        notifier.follower = ChatDelivery.follow("countersign-slack", CURSOR, store, notifier::act);
        return notifier;
    }

    /** @return whether Slack was called for this entry */
    private boolean act(LogFollower follower, JsonNode entry) {
        Optional<ChatDelivery.Subject> subject = ChatDelivery.subject(store, "slack", entry);
        if (subject.isEmpty()) {
            return false;
        }
        ActionRecord record = subject.get().record();
        List<ChatMessageStore.Posted> posted = subject.get().posted();
        String type = subject.get().type();
        if (posted.isEmpty()) {
            boolean called = false;
            if (record.decision() instanceof RequireApproval required) {
                for (String target : required.channels()) {
                    if (target.startsWith("slack:")) {
                        Optional<String> channel = resolve(target.substring("slack:".length()));
                        if (channel.isPresent()) {
                            post(follower, record, channel.get());
                            called = true;
                        }
                    }
                }
            }
            return called;
        }
        for (ChatMessageStore.Posted message : posted) {
            ChatDelivery.attempt(follower, "chat.update", () -> slack.update(message.channel(), message.messageId(), ReviewMessage.text(record),
                    ReviewMessage.blocks(record, console)));
            String line = threadLine(type, entry);
            if (line != null) {
                ChatDelivery.attempt(follower, "chat.postMessage", () -> slack.post(message.channel(), line, null, message.messageId()));
            }
        }
        if (FINAL.contains(type)) {
            String outcome = ReviewMessage.text(record) + "\n" + threadLine(type, entry);
            for (String user : peopleBehind(record)) {
                ChatDelivery.attempt(follower, "chat.postMessage", () -> slack.post(user, outcome, null, null));
            }
        }
        return true;
    }

    /**
     * The Slack users of the humans behind a request: the requester if human, the agent's owner, and
     * whoever it acts on behalf of, when the identities file maps them to Slack.
     */
    private List<String> peopleBehind(ActionRecord record) {
        Identities known = identities.get();
        Set<String> people = new LinkedHashSet<>();
        if (record.requester().kind() == Principal.Kind.HUMAN) {
            people.add(record.requester().id());
        }
        if (record.requester().owner() != null) {
            people.add(record.requester().owner());
        }
        String onBehalfOf = record.requester().onBehalfOf();
        if (onBehalfOf != null) {
            known.all().stream().filter(p -> p.isHuman() && p.isNamedBy(onBehalfOf)).findFirst().ifPresent(p -> people.add(p.id()));
        }
        return people.stream().flatMap(id -> known.account(id, "slack").stream()).distinct().toList();
    }

    private void post(LogFollower follower, ActionRecord record, String channel) {
        ChatDelivery.attempt(follower, "chat.postMessage", () -> slack.post(channel, ReviewMessage.text(record), ReviewMessage.blocks(record, console), null))
                .ifPresent(ts -> store.chatMessages().posted(new ChatMessageStore.Posted(record.id(), "slack", channel, ts, clock.instant())));
    }
    /** {@code C0PROD} as it is; {@code @alice} is alice's Slack user id (a DM from the bot), if provisioned. */
    private Optional<String> resolve(String target) {
        if (!target.startsWith("@")) {
            return Optional.of(target);
        }
        Optional<String> account = identities.get().account(target.substring(1), "slack");
        if (account.isEmpty()) {
            LOG.log(Level.WARNING, "policy notifies slack:" + target + " but that principal has no Slack account in the identities file");
        }
        return account;
    }

    /** What the thread of a posted request learns from an entry: each review, and how the request ended. */
    private String threadLine(String type, JsonNode entry) {
        JsonNode detail = entry.path("detail");
        String by = ReviewMessage.escape(entry.path("actor").asString(""));
        return switch (type) {
            case "review.submitted" -> ("approve".equals(detail.path("decision").asString()) ? "✅ " : "❌ ") + by + " "
                    + detail.path("decision").asString() + "d" + (detail.has("justification")
                    ? ": " + ReviewMessage.escape(detail.path("justification").asString()) : "");
            case "action.approved" -> "The request is approved; the requester may run it now.";
            case "action.denied" -> "The request is denied" + (detail.has("reason") ? ": " + ReviewMessage.escape(detail.path("reason").asString()) : ".");
            case "action.expired" -> "approval_expired".equals(detail.path("reason").asString())
                    ? "The approval lapsed before the action ran; nothing will run unless it is asked for and approved again."
                    : "The request expired without its quorum; nothing will run.";
            case "action.cancelled" -> "The requester cancelled the request.";
            case "action.break_glass" -> ":rotating_light: *Break-glass* by " + by + ": " + ReviewMessage.escape(detail.path("justification").asString())
                    + ". It may run without its approvals; someone who may review it reviews this afterwards.";
            case "break_glass.reviewed" -> by + " reviewed the break-glass: " + detail.path("verdict").asString()
                    + (detail.has("comment") ? " — " + ReviewMessage.escape(detail.path("comment").asString()) : "");
            case "execution.started", "action.executed" -> "The action is running (" + by + ").";
            case "action.outcome" -> "It ran: " + ReviewMessage.escape(detail.path("outcome").asString())
                    + (detail.has("detail") ? " — " + ReviewMessage.escape(detail.path("detail").asString()) : "");
            default -> null;
        };
    }

    /** Lets the entry in hand finish, so a message posted is also recorded and a restart does not post it again. */
    @Override
    public void close() {
        follower.close();
    }
}
