-- Outbound webhooks read the audit log: each endpoint keeps how far it has delivered, in log order.
CREATE TABLE webhook_cursors (
    endpoint        TEXT    PRIMARY KEY,
    next_leaf       INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT
);

-- Every attempt's result, per endpoint and log entry: what was delivered, retried or given up.
CREATE TABLE webhook_deliveries (
    endpoint     TEXT    NOT NULL,
    leaf_index   INTEGER NOT NULL,
    webhook_id   TEXT    NOT NULL,
    attempts     INTEGER NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at INTEGER,
    gave_up_at   INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (endpoint, leaf_index)
);
