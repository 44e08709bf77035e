-- An admin's emergency override of a pending request's approvals, and its review afterwards (JSON); null for nearly every request.
ALTER TABLE actions ADD COLUMN break_glass_json TEXT;
CREATE INDEX actions_break_glass ON actions (id) WHERE break_glass_json IS NOT NULL;
