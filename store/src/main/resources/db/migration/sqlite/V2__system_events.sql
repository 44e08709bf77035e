-- Events of the whole system (a policy load) belong to no action: action_id becomes optional.
-- SQLite cannot relax a NOT NULL constraint in place, so the table is rebuilt with its rows and sequence.
CREATE TABLE events_v2 (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id TEXT,
    type      TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    detail    TEXT    NOT NULL
);
INSERT INTO events_v2 (seq, action_id, type, actor, at, detail) SELECT seq, action_id, type, actor, at, detail FROM events;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_action ON events (action_id, seq);
CREATE INDEX events_type ON events (type, seq);

-- Evidence reports select the requests of a period.
CREATE INDEX actions_created ON actions (created_at, id);
