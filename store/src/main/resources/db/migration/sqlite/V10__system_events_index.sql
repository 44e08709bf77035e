-- Only events that belong to no single action (policy loads) are ever looked up by type. An index of every
-- event by type took two more pages in each decision's commit (its two events sit in two places of it).
DROP INDEX events_type;
CREATE INDEX events_system_type ON events (type, seq) WHERE action_id IS NULL;
