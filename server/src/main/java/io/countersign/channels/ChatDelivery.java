package io.countersign.channels;

import io.countersign.audit.LogFollower;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.model.ActionId;
import io.countersign.store.ChatMessageStore;
import io.countersign.store.ActionStore;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * How a chat channel follows the audit log: every entry, in order, from a durable cursor of its own; a
 * call to the chat system retried a few times and then given up (logged), so one bad conversation does
 * not stop the rest; and a shutdown in the middle of an entry keeps its position, so it is handled
 * again after a restart.
 */
public final class ChatDelivery {
    private static final System.Logger LOG = System.getLogger(ChatDelivery.class.getName());
    private static final Duration IDLE = Duration.ofMillis(100);
    private static final List<Duration> RETRY = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5));

    private ChatDelivery() {
    }

    /** What a channel does with one entry. */
    public interface Act {
        /** @return whether the chat system was called for this entry (its position is then stored) */
        boolean act(LogFollower follower, JsonNode entry);
    }

    /** One call to the chat system. */
    public interface Call {
        void run();
    }

    /** One call to the chat system that answers with something to keep (a message id). */
    public interface Answering<T> {
        T call();
    }

    /** Shutting down in the middle of an entry. */
    private static final class Stopping extends RuntimeException {
        Stopping() {
            super(null, null, false, false);
        }
    }

    /**
     * The action an entry is about, as stored now, with the messages this chat system already has for it
     * (none yet when the entry is the decision, or a re-evaluation, that a first message is sent for).
     */
    public record Subject(ActionRecord record, List<ChatMessageStore.Posted> posted, String type) {
    }

    /** The subject of an entry, or empty when there is nothing for {@code system} to do with it. */
    public static Optional<Subject> subject(ActionStore store, String system, JsonNode entry) {
        String id = entry.path("action_id").asString("");
        if (!ActionId.isWellFormed(id)) {
            return Optional.empty();
        }
        String type = entry.path("type").asString();
        ActionId actionId = new ActionId(id);
        List<ChatMessageStore.Posted> posted = store.chatMessages().posted(actionId, system);
        boolean announces = "action.decided".equals(type) || "action.reevaluated".equals(type);
        if (posted.isEmpty() && !announces) {
            return Optional.empty();
        }
        return store.find(actionId).map(record -> new Subject(record, posted, type));
    }

    /** Follows the log under {@code cursor} on a thread named {@code threadName}. */
    public static LogFollower follow(String threadName, String cursor, ActionStore store, Act act) {
        return LogFollower.start(threadName, cursor, store.auditLog(), store.webhooks(), IDLE, store::leads, (follower, index, raw, entry) -> {
            try {
                if (!act.act(follower, entry)) {
                    return LogFollower.Handled.PASSED;
                }
            } catch (Stopping e) {
                return LogFollower.Handled.STOP;
            }
            store.webhooks().advance(cursor, index + 1);
            return LogFollower.Handled.RECORDED;
        });
    }

    /** A call retried after 1, 2 and 5 s; then given up, logged with the reason. */
    public static void attempt(LogFollower follower, String name, Call call) {
        attempt(follower, name, () -> {
            call.run();
            return true;
        });
    }

    /** As {@link #attempt(LogFollower, String, Call)}; the call's answer, or empty when it was given up. */
    public static <T> Optional<T> attempt(LogFollower follower, String name, Answering<T> call) {
        for (int attempt = 0; ; attempt++) {
            try {
                return Optional.ofNullable(call.call());
            } catch (ChannelCallFailed e) {
                if (attempt >= RETRY.size()) {
                    LOG.log(Level.ERROR, "gave up on " + name + ": " + e.getMessage());
                    return Optional.empty();
                }
                if (!follower.pause(RETRY.get(attempt))) {
                    throw new Stopping();
                }
            }
        }
    }
}
