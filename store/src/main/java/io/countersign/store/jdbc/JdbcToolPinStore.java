package io.countersign.store.jdbc;

import io.countersign.store.StoreUnavailableException;
import io.countersign.store.ToolPinStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link ToolPinStore}: first seen wins, by primary key. */
final class JdbcToolPinStore implements ToolPinStore {
    private final GroupCommitWriter writer;

    JdbcToolPinStore(GroupCommitWriter writer) {
        this.writer = writer;
    }

    @Override
    public Map<String, Pin> pin(String principal, String server, Map<String, String> fingerprints, Instant now) {
        try {
            return writer.execute(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO tool_pins (principal, server, tool, fingerprint, first_seen) "
                        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (principal, server, tool) DO NOTHING");
                     PreparedStatement select = connection.prepareStatement(
                             "SELECT fingerprint, first_seen FROM tool_pins WHERE principal = ? AND server = ? AND tool = ?")) {
                    Map<String, Pin> pins = new LinkedHashMap<>();
                    for (var tool : fingerprints.entrySet()) {
                        insert.setString(1, principal);
                        insert.setString(2, server);
                        insert.setString(3, tool.getKey());
                        insert.setString(4, tool.getValue());
                        insert.setLong(5, now.toEpochMilli());
                        insert.executeUpdate();
                        select.setString(1, principal);
                        select.setString(2, server);
                        select.setString(3, tool.getKey());
                        try (ResultSet rows = select.executeQuery()) {
                            rows.next();
                            pins.put(tool.getKey(), new Pin(rows.getString(1), Instant.ofEpochMilli(rows.getLong(2))));
                        }
                    }
                    return pins;
                }
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("pinning MCP tools failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int unpin(String principal, String server, String tool) {
        try {
            return writer.execute(connection -> {
                try (PreparedStatement delete = connection.prepareStatement("DELETE FROM tool_pins WHERE principal = ? AND server = ?"
                        + (tool == null ? "" : " AND tool = ?"))) {
                    delete.setString(1, principal);
                    delete.setString(2, server);
                    if (tool != null) {
                        delete.setString(3, tool);
                    }
                    return delete.executeUpdate();
                }
            });
        } catch (SQLException e) {
            throw new StoreUnavailableException("unpinning MCP tools failed: " + e.getMessage(), e);
        }
    }
}
