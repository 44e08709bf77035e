-- Every event is a leaf of the verifiable audit log: its index and the exact bytes that were hashed.
ALTER TABLE events ADD COLUMN leaf_index INTEGER;
ALTER TABLE events ADD COLUMN entry BLOB;
CREATE UNIQUE INDEX events_leaf ON events (leaf_index);

-- The RFC 6962 tree, one row per complete-subtree hash, in the dense order of Go's sumdb/tlog.
CREATE TABLE audit_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB    NOT NULL
);

-- Every checkpoint the log signed, so consistency with any of them can be shown later.
CREATE TABLE audit_checkpoints (
    size      INTEGER PRIMARY KEY,
    root      BLOB    NOT NULL,
    note      TEXT    NOT NULL,
    signed_at INTEGER NOT NULL
);
