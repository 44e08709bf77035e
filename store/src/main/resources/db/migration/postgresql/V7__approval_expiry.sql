-- Approvals lapse: an approved action not run within its rule's approval_ttl expires. expires_at of an
-- approved request is the end of that window; approvals given before this version get the default hour
-- from their approval (updated_at), not an unbounded life.
UPDATE actions SET expires_at = updated_at + 3600000 WHERE status = 'approved';
-- The sweeper finds lapsed approvals through this index, which holds only approved requests not yet run.
CREATE INDEX actions_approved_expiry ON actions (expires_at) WHERE status = 'approved';
-- Refused attempts (self-reviews, replayed grants, ...) for the evidence report, by time; few, coalesced per minute.
CREATE INDEX events_refused ON events (at) WHERE type IN ('attempt.refused', 'grant.refused');
