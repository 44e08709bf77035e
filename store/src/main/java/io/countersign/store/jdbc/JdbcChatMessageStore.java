package io.countersign.store.jdbc;

import io.countersign.model.ActionId;
import io.countersign.store.ChatMessageStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** {@link ChatMessageStore} over the writer and the reader pool. */
final class JdbcChatMessageStore implements ChatMessageStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;

    JdbcChatMessageStore(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    @Override
    public void posted(Posted message) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO chat_messages (action_id, system, channel, message_id, posted_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (action_id, system, channel) DO UPDATE SET message_id = excluded.message_id,
                            posted_at = excluded.posted_at""")) {
                    insert.setString(1, message.actionId().value());
                    insert.setString(2, message.system());
                    insert.setString(3, message.channel());
                    insert.setString(4, message.messageId());
                    insert.setLong(5, message.at().toEpochMilli());
                    insert.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording a chat message failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Posted> posted(ActionId actionId, String system) {
        return ReadTransaction.run(readers, connection -> {
            List<Posted> messages = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT channel, message_id, posted_at FROM chat_messages"
                    + " WHERE action_id = ? AND system = ? ORDER BY posted_at, channel")) {
                select.setString(1, actionId.value());
                select.setString(2, system);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        messages.add(new Posted(actionId, system, rows.getString(1), rows.getString(2), Instant.ofEpochMilli(rows.getLong(3))));
                    }
                }
            }
            return messages;
        });
    }
}
