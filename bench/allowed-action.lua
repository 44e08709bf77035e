-- wrk script: every request is a distinct allowed action (a production read) from the demo agent.
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("COUNTERSIGN_AGENT_KEY")

request = function()
  counter = counter + 1
  local body = string.format(
    '{"action":"db.read","resource":{"type":"postgres.table","id":"prod/customers","env":"prod"},' ..
    '"intent":{"summary":"benchmark read %d"},"payload":{"sql":"SELECT count(*) FROM customers","n":%d},' ..
    '"context":{"agent_run":"bench"}}', counter, counter)
  return wrk.format(nil, "/v1/actions", nil, body)
end
