-- The schema of SQLite's migrations V1 to V6, as one PostgreSQL migration. Later migrations are written
-- for both databases, under the same version numbers. Instants are epoch milliseconds, as in SQLite.

-- Current state of each action request; changed only by compare-and-set on version.
CREATE TABLE actions (
    id              TEXT    PRIMARY KEY,
    requester_id    TEXT    NOT NULL,
    requester_json  TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    digest          TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    version         BIGINT  NOT NULL,
    idempotency_key TEXT,
    request_json    TEXT    NOT NULL,
    decision_json   TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    expires_at      BIGINT,
    execution_json  TEXT
);
CREATE UNIQUE INDEX actions_idempotency ON actions (requester_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX actions_pending_duplicate ON actions (requester_id, digest) WHERE status = 'pending';
CREATE INDEX actions_status_id ON actions (status, id);
CREATE INDEX actions_requester_id ON actions (requester_id, id);
CREATE INDEX actions_pending_expiry ON actions (expires_at) WHERE status = 'pending';
CREATE INDEX actions_created ON actions (created_at, id);

-- Reviews are appended, never updated.
CREATE TABLE reviews (
    action_id     TEXT    NOT NULL REFERENCES actions (id),
    seq           INTEGER NOT NULL,
    reviewer_id   TEXT    NOT NULL,
    reviewer_json TEXT    NOT NULL,
    decision      TEXT    NOT NULL,
    comment       TEXT,
    at            BIGINT  NOT NULL,
    PRIMARY KEY (action_id, seq),
    UNIQUE (action_id, reviewer_id)
);

-- Everything that happened, in order; each event is a leaf of the audit log (its index and exact bytes).
CREATE TABLE events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_id  TEXT,
    type       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    at         BIGINT  NOT NULL,
    detail     TEXT    NOT NULL,
    leaf_index BIGINT,
    entry      BYTEA
);
CREATE INDEX events_action ON events (action_id, seq);
CREATE INDEX events_type ON events (type, seq);
CREATE UNIQUE INDEX events_leaf ON events (leaf_index);

-- The RFC 6962 tree, one row per complete-subtree hash, in the dense order of Go's sumdb/tlog.
CREATE TABLE audit_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA  NOT NULL
);

-- Every checkpoint the log signed.
CREATE TABLE audit_checkpoints (
    size      BIGINT PRIMARY KEY,
    root      BYTEA  NOT NULL,
    note      TEXT   NOT NULL,
    signed_at BIGINT NOT NULL
);

-- Log followers (webhooks, callbacks, chat channels): how far each has got, in log order.
CREATE TABLE webhook_cursors (
    endpoint        TEXT   PRIMARY KEY,
    next_leaf       BIGINT NOT NULL,
    disabled_at     BIGINT,
    disabled_reason TEXT
);

CREATE TABLE webhook_deliveries (
    endpoint     TEXT    NOT NULL,
    leaf_index   BIGINT  NOT NULL,
    webhook_id   TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at BIGINT,
    gave_up_at   BIGINT,
    updated_at   BIGINT  NOT NULL,
    PRIMARY KEY (endpoint, leaf_index)
);

-- Review requests posted to chat, so every later change updates the same messages, from any node.
CREATE TABLE chat_messages (
    action_id  TEXT   NOT NULL,
    system     TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    message_id TEXT   NOT NULL,
    posted_at  BIGINT NOT NULL,
    PRIMARY KEY (action_id, system, channel)
);
