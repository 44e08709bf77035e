-- Chat messages already taken (SHA-256 of a request signature, envelope or activity id), kept until a
-- copy could no longer pass the channel's other checks: a replay counts once, also after a restart.
CREATE TABLE replays (
    key_hash     TEXT    PRIMARY KEY,
    forget_after INTEGER NOT NULL
);
CREATE INDEX replays_forget_after ON replays (forget_after);
