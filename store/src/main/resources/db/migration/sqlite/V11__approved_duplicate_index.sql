-- An identical request that is approved and not yet run is returned to its requester instead of a new one
-- (as a pending one is): found through this index, which holds only the few approved requests not yet run.
CREATE INDEX actions_approved_unrun ON actions (requester_id, digest) WHERE status = 'approved';
