package io.countersign.channels.slack;

import io.countersign.channels.AgentText;
import io.countersign.channels.ReviewChannel;
import io.countersign.json.Json;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.identity.Identities;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.lifecycle.ActionService;
import io.countersign.model.Principal;
import io.countersign.store.ChatMessageStore;
import io.countersign.store.ReplayStore;
import io.helidon.webserver.http.HttpService;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Slack as a review channel. A request whose rules {@code notify} a Slack channel (or {@code slack:@alice},
 * a reviewer's DM) is posted there with Approve / Deny; every later change updates the message from the
 * stored record with {@code chat.update} (buttons gone once decided) and adds a line to its thread: who
 * reviewed, how it ended. How it ended also goes by DM to the humans behind the request who have a Slack
 * account. Clicks come back over the HTTP request URL, Socket Mode, or both.
 */
public final class SlackChannel implements ReviewChannel {
    private static final System.Logger LOG = System.getLogger(SlackChannel.class.getName());

    private final SlackSettings settings;
    private final SlackClient slack;
    private final SlackInteractions interactions;
    private final ReplayStore replays;
    private final Supplier<Identities> identities;
    private final Clock clock;
    private SlackSocketMode socketMode;

    public SlackChannel(SlackSettings settings, ActionService actions, ReplayStore replays, Supplier<Identities> identities, Clock clock) {
        this.settings = settings;
        this.replays = replays;
        this.identities = identities;
        this.clock = clock;
        this.slack = new SlackClient(settings.apiUrl(), settings.botToken());
        this.interactions = new SlackInteractions(slack, actions, identities, clock, settings.teamId(), settings.appId());
    }

    @Override
    public String system() {
        return "slack";
    }

    /** {@code C0PROD} as it is; {@code @alice} is alice's Slack user id (a DM from the bot), if provisioned. */
    @Override
    public Optional<String> destination(String target) {
        if (!target.startsWith("@")) {
            return Optional.of(target);
        }
        Optional<String> account = identities.get().account(target.substring(1), "slack");
        if (account.isEmpty()) {
            LOG.log(Level.WARNING, "policy notifies slack:" + target + " but that principal has no Slack account in the identities file");
        }
        return account;
    }

    @Override
    public String post(String channel, ActionRecord record) {
        return slack.post(channel, ReviewMessage.text(record), ReviewMessage.blocks(record, settings.consoleUrl()), null);
    }

    @Override
    public void update(ChatMessageStore.Posted message, ActionRecord record, ActionEvent event) {
        slack.update(message.channel(), message.messageId(), ReviewMessage.text(record), ReviewMessage.blocks(record, settings.consoleUrl()));
    }

    @Override
    public void reply(ChatMessageStore.Posted message, ActionRecord record, ActionEvent event) {
        ThreadLine line = threadLine(event);
        if (line != null) {
            slack.post(message.channel(), line.fallback(), line.blocks(), message.messageId());
        }
    }

    /**
     * The Slack users of the humans behind a request: the requester if human, the agent's owner, and
     * whoever it acts on behalf of, when the identities file maps them to Slack.
     */
    @Override
    public List<String> peopleBehind(ActionRecord record) {
        Identities known = identities.get();
        Set<String> people = new LinkedHashSet<>();
        if (record.requester().kind() == Principal.Kind.HUMAN) {
            people.add(record.requester().id());
        }
        if (record.requester().owner() != null) {
            people.add(record.requester().owner());
        }
        known.human(record.requester().onBehalfOf()).ifPresent(p -> people.add(p.id()));
        return people.stream().flatMap(id -> known.account(id, "slack").stream()).distinct().toList();
    }

    @Override
    public void tell(String user, ActionRecord record, ActionEvent event) {
        ThreadLine line = threadLine(event);
        slack.post(user, ReviewMessage.text(record) + "\n" + line.fallback(), line.blocks(), null);
    }

    /**
     * A line a request's thread gets: Countersign's words around what someone wrote ({@code quoted}: a
     * justification, a reason, an outcome's detail), which goes into a rich-text element as one literal line.
     */
    record ThreadLine(String before, String quoted, String after) {
        static ThreadLine of(String said) {
            return new ThreadLine(said, null, "");
        }

        /** The notification text: escaped, one line. */
        String fallback() {
            return ReviewMessage.escape(before + (quoted == null ? "" : AgentText.line(quoted)) + after);
        }

        ArrayNode blocks() {
            ArrayNode blocks = Json.MAPPER.createArrayNode();
            ObjectNode block = blocks.addObject();
            block.put("type", "rich_text");
            ObjectNode section = block.putArray("elements").addObject();
            section.put("type", "rich_text_section");
            ArrayNode elements = section.putArray("elements");
            for (String part : new String[] {before, quoted == null ? null : AgentText.line(quoted), after}) {
                if (part != null && !part.isEmpty()) {
                    ObjectNode text = elements.addObject();
                    text.put("type", "text");
                    text.put("text", part);
                }
            }
            return blocks;
        }
    }

    /** What the thread of a posted request learns from an entry: each review, and how the request ended. */
    static ThreadLine threadLine(ActionEvent entry) {
        String by = entry.actor();
        return switch (entry.event()) {
            case AuditEvent.Reviewed e -> new ThreadLine(("approve".equals(e.decision()) ? "✅ " : "❌ ") + by
                    + (e.by() != null ? " for " + e.reviewer() : "") + " " + e.decision() + "d"
                    + (e.justification() != null ? ": " : ""), e.justification(), "");
            case AuditEvent.Approved e -> ThreadLine.of("The request is approved; the requester may run it now.");
            case AuditEvent.Denied e -> e.reason() != null ? new ThreadLine("The request is denied: ", e.reason(), "")
                    : ThreadLine.of("The request is denied.");
            case AuditEvent.Expired e -> ThreadLine.of(e.approvalLapsed()
                    ? "The approval lapsed before the action ran; nothing will run unless it is asked for and approved again."
                    : "The request expired without its quorum; nothing will run.");
            case AuditEvent.Cancelled e -> ThreadLine.of("The requester cancelled the request.");
            case AuditEvent.Reminded e -> ThreadLine.of("⏰ Reminder: stage " + e.stage() + " is still waiting for "
                    + (e.groups().isEmpty() ? "a reviewer" : String.join(" or ", e.groups())) + ".");
            case AuditEvent.Escalated e -> ThreadLine.of("⬆️ Escalated: " + String.join(" and ", e.groups()) + " may now review stage "
                    + e.stage() + ".");
            case AuditEvent.BrokeGlass e -> new ThreadLine("🚨 Break-glass by " + by + ": ", e.justification(),
                    ". It may run without its approvals; someone who may review it reviews this afterwards.");
            case AuditEvent.BreakGlassReviewed e -> new ThreadLine(by + " reviewed the break-glass: " + e.verdict()
                    + (e.comment() != null ? " — " : ""), e.comment(), "");
            case AuditEvent.Claimed e -> ThreadLine.of("The action is running (" + by + ").");
            case AuditEvent.Executed e -> ThreadLine.of("The action is running (" + by + ").");
            case AuditEvent.Outcome e -> new ThreadLine("It ran: " + e.outcome() + (e.detail() != null ? " — " : ""), e.detail(), "");
            default -> null;
        };
    }

    @Override
    public Optional<HttpService> routes() {
        return settings.requestUrl()
                ? Optional.of(new SlackRequestUrl(new SlackSignature(settings.signingSecret()), interactions, replays, clock))
                : Optional.empty();
    }

    @Override
    public String withoutRoutes() {
        return "Slack interactions reach this server over Socket Mode, not this URL";
    }

    /** With an app token, opens the socket that Slack pushes clicks over. */
    @Override
    public void start() {
        if (settings.socketMode()) {
            socketMode = SlackSocketMode.start(slack, settings.appToken(), interactions, replays);
        }
    }

    @Override
    public void close() {
        if (socketMode != null) {
            socketMode.close();
        }
    }
}
