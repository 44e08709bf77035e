-- How an allowed or approved action was run: the grant used, by whom, when, and the reported outcome.
ALTER TABLE actions ADD COLUMN execution_json TEXT;
