-- Callbacks to agents, queued per destination (scheme://host:port), so one destination's retries delay
-- no other; done ones are kept a week for inspection.
CREATE TABLE callback_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    destination TEXT    NOT NULL,
    url         TEXT    NOT NULL,
    log_index   INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    next_at     INTEGER NOT NULL,
    last_status INTEGER,
    last_error  TEXT,
    done_at     INTEGER,
    delivered   INTEGER
);
CREATE INDEX callback_deliveries_pending ON callback_deliveries (destination, done_at, id);
CREATE INDEX callback_deliveries_done_at ON callback_deliveries (done_at);
