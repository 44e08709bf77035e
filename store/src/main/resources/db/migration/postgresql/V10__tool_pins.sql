-- The MCP tool definitions each principal's gateway saw first (SHA-256 fingerprints), by upstream and tool.
CREATE TABLE tool_pins (
    principal   TEXT    NOT NULL,
    server      TEXT    NOT NULL,
    tool        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    first_seen  BIGINT  NOT NULL,
    PRIMARY KEY (principal, server, tool)
);
