package io.countersign.store.jdbc;

import io.countersign.json.Json;
import io.countersign.model.Principal;
import io.countersign.store.SessionStore;
import io.countersign.store.StoreUnavailableException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@link SessionStore} over the writer (durable before the sign-in answers) and the reader pool. */
final class JdbcSessionStore implements SessionStore {
    private final GroupCommitWriter writer;
    private final DataSource readers;

    JdbcSessionStore(GroupCommitWriter writer, DataSource readers) {
        this.writer = writer;
        this.readers = readers;
    }

    @Override
    public void save(Session session, Instant now) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement forget = connection.prepareStatement("DELETE FROM console_sessions WHERE expires_at <= ?");
                     PreparedStatement insert = connection.prepareStatement(
                             "INSERT INTO console_sessions (id_hash, principal_json, csrf, method, expires_at) VALUES (?, ?, ?, ?, ?)")) {
                    forget.setLong(1, now.toEpochMilli());
                    forget.executeUpdate();
                    insert.setString(1, session.idHash());
                    insert.setString(2, Json.text(toJson(session.principal())));
                    insert.setString(3, session.csrf());
                    insert.setString(4, session.method());
                    insert.setLong(5, session.expiresAt().toEpochMilli());
                    insert.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording a console session failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Session> find(String idHash, Instant now) {
        return ReadTransaction.run(readers, connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT principal_json, csrf, method, expires_at FROM console_sessions WHERE id_hash = ? AND expires_at > ?")) {
                select.setString(1, idHash);
                select.setLong(2, now.toEpochMilli());
                try (ResultSet rows = select.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new Session(idHash, fromJson(Json.parse(rows.getString(1))), rows.getString(2), rows.getString(3),
                            Instant.ofEpochMilli(rows.getLong(4))));
                }
            }
        });
    }

    @Override
    public void delete(String idHash) {
        try {
            writer.execute(connection -> {
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM console_sessions WHERE id_hash = ?")) {
                    delete.setString(1, idHash);
                    delete.executeUpdate();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("ending a console session failed: " + e.getMessage(), e);
        }
    }

    /** The principal as signed in (groups from the IdP's claim where configured), so every node sees the same. */
    private static ObjectNode toJson(Principal principal) {
        ObjectNode node = Json.object();
        node.put("id", principal.id());
        node.put("kind", principal.kind().wireName());
        node.put("name", principal.name());
        if (principal.email() != null) {
            node.put("email", principal.email());
        }
        principal.groups().stream().sorted().forEach(node.putArray("groups")::add);
        if (principal.owner() != null) {
            node.put("owner", principal.owner());
        }
        principal.roles().stream().map(Principal.Role::wireName).sorted().forEach(node.putArray("roles")::add);
        return node;
    }

    private static Principal fromJson(JsonNode node) {
        Set<String> groups = new LinkedHashSet<>();
        node.path("groups").values().forEach(g -> groups.add(g.asString()));
        Set<Principal.Role> roles = new LinkedHashSet<>();
        node.path("roles").values().forEach(r -> roles.add(Principal.Role.valueOf(r.asString().toUpperCase(java.util.Locale.ROOT))));
        return new Principal(node.path("id").asString(), Principal.Kind.valueOf(node.path("kind").asString().toUpperCase(java.util.Locale.ROOT)),
                node.path("name").asString(), node.has("email") ? node.path("email").asString() : null, groups,
                node.has("owner") ? node.path("owner").asString() : null, roles);
    }
}
