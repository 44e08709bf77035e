package io.countersign.store.jdbc;

import io.countersign.audit.Rfc6962;
import io.countersign.store.ReplayStore;
import io.countersign.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * {@link ReplayStore} on the writer: the insert that takes a key is the one that decides, so two nodes
 * offered the same message at once cannot both take it. Keys past their time are dropped as new ones come.
 */
final class JdbcReplayStore implements ReplayStore {
    private final GroupCommitWriter writer;

    JdbcReplayStore(GroupCommitWriter writer) {
        this.writer = writer;
    }

    @Override
    public boolean firstTime(String key, Instant forgetAfter, Instant now) {
        String hash = HexFormat.of().formatHex(Rfc6962.sha256(key.getBytes(StandardCharsets.UTF_8)));
        try {
            return writer.execute(connection -> {
                try (PreparedStatement forget = connection.prepareStatement("DELETE FROM replays WHERE forget_after < ?");
                     PreparedStatement take = connection.prepareStatement(
                             "INSERT INTO replays (key_hash, forget_after) VALUES (?, ?) ON CONFLICT (key_hash) DO NOTHING")) {
                    forget.setLong(1, now.toEpochMilli());
                    forget.executeUpdate();
                    take.setString(1, hash);
                    take.setLong(2, forgetAfter.toEpochMilli());
                    return take.executeUpdate() == 1;
                }
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording a chat message as taken failed: " + e.getMessage(), e);
        }
    }
}
