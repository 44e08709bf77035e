-- Review requests posted to chat (Slack channel + ts, Teams conversation + activity id), so that every
-- later change of the action updates the same messages, after a restart or from another node.
CREATE TABLE chat_messages (
    action_id  TEXT    NOT NULL,
    system     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    posted_at  INTEGER NOT NULL,
    PRIMARY KEY (action_id, system, channel)
);
