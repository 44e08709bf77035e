package io.countersign.channels;

import io.countersign.events.ActionEvent;
import io.countersign.lifecycle.ActionRecord;
import io.countersign.store.ChatMessageStore;
import io.helidon.webserver.http.HttpService;
import java.util.List;
import java.util.Optional;

/**
 * A place where people review requests: Slack, Microsoft Teams, and whatever comes next (email, PagerDuty).
 * A channel renders a held request where a rule's {@code notify} names it ({@code slack:C0PROD},
 * {@code teams:oncall}), keeps what it posted true to the request as it moves, and takes the reviewers'
 * decisions back over routes of its own. Following the audit log, retrying, remembering what was posted and
 * where the log stands is {@link ChatReviews}'s, the same for every channel; a channel only speaks its
 * system's protocol.
 */
public interface ReviewChannel extends AutoCloseable {

    /** Its name: the prefix of its targets in {@code notify}, and what its messages and log position are kept under. */
    String system();

    /**
     * Where a target named in policy (what follows {@code system:}) is posted, or empty, with a warning
     * logged, when this server cannot reach it (an unknown conversation, a reviewer without an account).
     */
    Optional<String> destination(String target);

    /**
     * Posts the review request of {@code record} to a destination.
     *
     * @return the id of the message, by which later changes update it
     * @throws ChannelCallFailed when the chat system did not take it (it is tried again)
     */
    String post(String destination, ActionRecord record);

    /**
     * Brings one posted message up to date with {@code record}, which {@code event} just changed.
     *
     * @throws ChannelCallFailed when the chat system did not take it (it is tried again)
     */
    void update(ChatMessageStore.Posted message, ActionRecord record, ActionEvent event);

    /**
     * Says beneath a posted message what {@code event} changed (a line in its thread), where the system has
     * such a place; nothing by default.
     *
     * @throws ChannelCallFailed when the chat system did not take it (it is tried again)
     */
    default void reply(ChatMessageStore.Posted message, ActionRecord record, ActionEvent event) {
    }

    /** Whom this system can tell directly how a request ended: the accounts of the humans behind it; none by default. */
    default List<String> peopleBehind(ActionRecord record) {
        return List.of();
    }

    /**
     * Tells one of {@link #peopleBehind} how the request ended ({@code event} approved, denied or expired it), and,
     * when its rules say {@code notify_requester}, of each review, reminder and escalation on the way.
     *
     * @throws ChannelCallFailed when the chat system did not take it (it is tried again)
     */
    default void tell(String person, ActionRecord record, ActionEvent event) {
    }

    /** The routes under {@code /v1/channels/<system>} that reviewers' clicks come back to; empty when none come over HTTP. */
    Optional<HttpService> routes();

    /** Why {@link #routes()} is empty, for whoever calls that URL anyway. */
    default String withoutRoutes() {
        return "clicks do not reach this server over HTTP for " + system();
    }

    /** Starts what runs beside the routes (a socket the system pushes clicks over); nothing by default. */
    default void start() {
    }

    @Override
    default void close() {
    }
}
