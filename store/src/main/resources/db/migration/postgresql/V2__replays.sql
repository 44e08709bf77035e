-- Chat messages already taken (SHA-256 of a request signature, envelope or activity id), kept until a
-- copy could no longer pass the channel's other checks: a replay to any node counts once.
CREATE TABLE replays (
    key_hash     TEXT   PRIMARY KEY,
    forget_after BIGINT NOT NULL
);
CREATE INDEX replays_forget_after ON replays (forget_after);
