package io.countersign.store.jdbc;

import io.countersign.store.SignInStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** {@link SignInStore} over the writer: a sign-in is durable before the browser is sent to the provider, and taken once. */
final class JdbcSignInStore implements SignInStore {
    private final GroupCommitWriter writer;

    JdbcSignInStore(GroupCommitWriter writer) {
        this.writer = writer;
    }

    @Override
    public Optional<Refusal> begin(Pending pending, int perClient, int total, Instant now) {
        try {
            return writer.execute(connection -> {
                try (PreparedStatement forget = connection.prepareStatement("DELETE FROM sign_ins WHERE expires_at <= ?")) {
                    forget.setLong(1, now.toEpochMilli());
                    forget.executeUpdate();
                }
                if (count(connection, "SELECT COUNT(*) FROM sign_ins WHERE client = ?", pending.client()) >= perClient) {
                    return Optional.of(Refusal.CLIENT_LIMIT);
                }
                if (count(connection, "SELECT COUNT(*) FROM sign_ins", null) >= total) {
                    return Optional.of(Refusal.FULL);
                }
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO sign_ins "
                        + "(state_hash, browser_hash, nonce, verifier, return_to, client, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    insert.setString(1, pending.stateHash());
                    insert.setString(2, pending.browserHash());
                    insert.setString(3, pending.nonce());
                    insert.setString(4, pending.verifier());
                    insert.setString(5, pending.returnTo());
                    insert.setString(6, pending.client());
                    insert.setLong(7, pending.expiresAt().toEpochMilli());
                    insert.executeUpdate();
                }
                return Optional.<Refusal>empty();
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording a sign-in under way failed: " + e.getMessage(), e);
        }
    }

    private static long count(java.sql.Connection connection, String sql, String client) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            if (client != null) {
                select.setString(1, client);
            }
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    @Override
    public Optional<Pending> take(String stateHash, Instant now) {
        try {
            return writer.execute(connection -> {
                Optional<Pending> found;
                try (PreparedStatement select = connection.prepareStatement("SELECT browser_hash, nonce, verifier, return_to, client, expires_at "
                        + "FROM sign_ins WHERE state_hash = ?")) {
                    select.setString(1, stateHash);
                    try (ResultSet rows = select.executeQuery()) {
                        found = rows.next() ? Optional.of(new Pending(stateHash, rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), Instant.ofEpochMilli(rows.getLong(6)))) : Optional.empty();
                    }
                }
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sign_ins WHERE state_hash = ?")) {
                    delete.setString(1, stateHash);
                    delete.executeUpdate();
                }
                return found.filter(p -> p.expiresAt().isAfter(now));
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("reading a sign-in under way failed: " + e.getMessage(), e);
        }
    }
}
