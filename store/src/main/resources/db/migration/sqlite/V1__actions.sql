-- Current state of each action request; changed only by compare-and-set on version.
CREATE TABLE actions (
    id              TEXT    PRIMARY KEY,
    requester_id    TEXT    NOT NULL,
    requester_json  TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    digest          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    version         INTEGER NOT NULL,
    idempotency_key TEXT,
    request_json    TEXT    NOT NULL,
    decision_json   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    expires_at      INTEGER
);
-- A retried submit finds its first answer; the database, not the application, keeps keys unique.
CREATE UNIQUE INDEX actions_idempotency ON actions (requester_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- At most one identical pending request per requester: floods of the same request reach reviewers once.
CREATE UNIQUE INDEX actions_pending_duplicate ON actions (requester_id, digest) WHERE status = 'pending';
CREATE INDEX actions_status_id ON actions (status, id);
CREATE INDEX actions_requester_id ON actions (requester_id, id);
CREATE INDEX actions_pending_expiry ON actions (expires_at) WHERE status = 'pending';

-- Reviews are appended, never updated: the history of who decided what, and when, is never lost.
CREATE TABLE reviews (
    action_id     TEXT    NOT NULL REFERENCES actions (id),
    seq           INTEGER NOT NULL,
    reviewer_id   TEXT    NOT NULL,
    reviewer_json TEXT    NOT NULL,
    decision      TEXT    NOT NULL,
    comment       TEXT,
    at            INTEGER NOT NULL,
    PRIMARY KEY (action_id, seq),
    UNIQUE (action_id, reviewer_id)
);

-- Everything that happened, in order; the audit log is built from these.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    detail    TEXT    NOT NULL
);
CREATE INDEX events_action ON events (action_id, seq);
