package io.countersign.store;

import io.countersign.model.ActionId;
import java.time.Instant;
import java.util.List;

/**
 * Where each review request was posted in chat, so that every later change of the action updates the
 * same messages: after a restart, and from any node.
 */
public interface ChatMessageStore {

    /**
     * @param system    {@code slack} or {@code teams}
     * @param channel   the Slack channel or Teams conversation
     * @param messageId the Slack message {@code ts} or Teams activity id
     */
    record Posted(ActionId actionId, String system, String channel, String messageId, Instant at) {
    }

    void posted(Posted message);

    /** The messages posted about one action in one system, oldest first. */
    List<Posted> posted(ActionId actionId, String system);
}
