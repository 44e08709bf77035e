-- Console sign-in sessions, by the SHA-256 of their id (the cookie itself is never stored), so that a
-- restart signs nobody out.
CREATE TABLE console_sessions (
    id_hash        TEXT    PRIMARY KEY,
    principal_json TEXT    NOT NULL,
    csrf           TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
