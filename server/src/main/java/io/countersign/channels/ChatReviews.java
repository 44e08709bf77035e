package io.countersign.channels;

import io.countersign.audit.LogCursors;
import io.countersign.audit.LogEntry;
import io.countersign.audit.LogFollower;
import io.countersign.audit.LogSubscriber;
import io.countersign.events.ActionEvent;
import io.countersign.events.AuditEvent;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.ActionId;
import io.countersign.policy.RequireApproval;
import io.countersign.store.ChatMessageStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How every review channel follows the audit log: from a durable position of its own
 * ({@code channel:<system>}), a request held for review is posted once to each target its rules
 * {@code notify} in that system; every later entry about it updates each posted message from the stored
 * record; and how it ended is told to the people behind it. A call to the chat system is retried after 1,
 * 2 and 5 s and then given up (logged), so one bad conversation does not stop the rest; a shutdown in the
 * middle of an entry keeps the position before it, so a restart handles it again, and a message posted is
 * remembered in the same step, so a restart never posts it twice.
 */
public final class ChatReviews implements LogSubscriber {
    private static final System.Logger LOG = System.getLogger(ChatReviews.class.getName());
    private static final List<Duration> RETRY = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));

    private final ReviewChannel channel;
    private final Function<ActionId, Optional<ActionRecord>> records;
    private final ChatMessageStore messages;
    private final LogCursors cursors;
    private final Clock clock;
    /** The record version each message was last rendered from, for the most recent messages. */
    private final Map<String, Long> rendered = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 4096;
        }
    };

    /** @param records the action as stored now */
    public ChatReviews(ReviewChannel channel, Function<ActionId, Optional<ActionRecord>> records, ChatMessageStore messages,
                       LogCursors cursors, Clock clock) {
        this.channel = channel;
        this.records = records;
        this.messages = messages;
        this.cursors = cursors;
        this.clock = clock;
    }

    @Override
    public String cursor() {
        return "channel:" + channel.system();
    }

    @Override
    public String name() {
        return "countersign-" + channel.system();
    }

    @Override
    public LogFollower.Handled handle(LogFollower follower, LogEntry entry) {
        ActionEvent event = entry.event();
        // A refused attempt changes nothing a message shows: one caller's loop of replays or self-reviews must
        // not become a loop of chat calls.
        if (event.actionId() == null || event.event() instanceof AuditEvent.Refused || event.event() instanceof AuditEvent.RefusalsCoalesced) {
            return LogFollower.Handled.PASSED;
        }
        List<ChatMessageStore.Posted> posted = messages.posted(event.actionId(), channel.system());
        boolean announces = event.event() instanceof AuditEvent.Decided || event.event() instanceof AuditEvent.Reevaluated;
        if (posted.isEmpty() && !announces) {
            return LogFollower.Handled.PASSED;
        }
        Optional<ActionRecord> found = records.apply(event.actionId());
        if (found.isEmpty()) {
            return LogFollower.Handled.PASSED;
        }
        ActionRecord record = found.get();
        try {
            boolean called = posted.isEmpty() ? announce(follower, record) : follow(follower, record, posted, event);
            if (!called) {
                return LogFollower.Handled.PASSED;
            }
        } catch (Stopping e) {
            return LogFollower.Handled.STOP;
        }
        cursors.advance(cursor(), entry.index() + 1);
        return LogFollower.Handled.RECORDED;
    }

    /** Posts a request held for review to each of its targets in this system; whether any was called. */
    private boolean announce(LogFollower follower, ActionRecord record) {
        if (!(record.decision() instanceof RequireApproval required)) {
            return false;
        }
        String prefix = channel.system() + ":";
        boolean called = false;
        for (String target : required.channels()) {
            if (!target.startsWith(prefix)) {
                continue;
            }
            Optional<String> destination = channel.destination(target.substring(prefix.length()));
            if (destination.isEmpty()) {
                continue;
            }
            attempt(follower, "posting " + record.id() + " to " + target, () -> channel.post(destination.get(), record))
                    .ifPresent(id -> messages.posted(new ChatMessageStore.Posted(record.id(), channel.system(), destination.get(), id,
                            clock.instant())));
            called = true;
        }
        return called;
    }

    private boolean follow(LogFollower follower, ActionRecord record, List<ChatMessageStore.Posted> posted, ActionEvent event) {
        for (ChatMessageStore.Posted message : posted) {
            // Several entries of one change (a review and the approval it completed) update a message once: it is
            // rendered from the stored record, which they all find at the same version.
            String key = message.channel() + " " + message.messageId();
            if (!Long.valueOf(record.version()).equals(rendered.get(key))) {
                boolean updated = attempt(follower, "updating " + record.id() + " in " + message.channel(), () -> {
                    channel.update(message, record, event);
                    return true;
                }).isPresent();
                if (updated) {
                    rendered.put(key, record.version());
                }
            }
            attempt(follower, "replying to " + record.id() + " in " + message.channel(), () -> {
                channel.reply(message, record, event);
                return true;
            });
        }
        if (event.event() instanceof AuditEvent.Approved || event.event() instanceof AuditEvent.Denied
                || event.event() instanceof AuditEvent.Expired || (notifiesRequester(record) && (event.event() instanceof AuditEvent.Reviewed
                || event.event() instanceof AuditEvent.Reminded || event.event() instanceof AuditEvent.Escalated))) {
            for (String person : channel.peopleBehind(record)) {
                attempt(follower, "telling " + person + " how " + record.id() + " ended", () -> {
                    channel.tell(person, record, event);
                    return true;
                });
            }
        }
        return true;
    }

    /** Whether the request's rules asked that the humans behind it hear of each review ({@code notify_requester}). */
    private static boolean notifiesRequester(ActionRecord record) {
        return record.decision() instanceof io.countersign.policy.RequireApproval terms && terms.nudges() != null
                && terms.nudges().notifyRequester();
    }

    /** The call's answer, or empty when it was given up after its retries. */
    private <T> Optional<T> attempt(LogFollower follower, String what, Supplier<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return Optional.ofNullable(call.get());
            } catch (ChannelCallFailed e) {
                if (attempt >= RETRY.size()) {
                    LOG.log(Level.ERROR, channel.system() + ": gave up " + what + ": " + e.getMessage());
                    return Optional.empty();
                }
                if (!follower.pause(RETRY.get(attempt))) {
                    throw new Stopping();
                }
            }
        }
    }

    /** Shutting down in the middle of an entry. */
    private static final class Stopping extends RuntimeException {
        Stopping() {
            super(null, null, false, false);
        }
    }
}
