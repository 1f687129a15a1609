-- The request mix of scripts/load: 90 % reads and 10 % writes, each as one of the demo team,
-- signed in with an API token.
local tokens = {}
for token in string.gmatch(os.getenv("DEALFLOW_LOAD_TOKENS") or "", "%S+") do
  table.insert(tokens, token)
end

local reads = {
  "/api/v1/opportunities",
  "/api/v1/opportunities?open=true",
  "/api/v1/opportunities?q=%D0%BF%D1%80%D0%BE",
  "/api/v1/activities?status=not_started",
  "/api/v1/schedule?" .. (os.getenv("DEALFLOW_LOAD_WEEK") or ""),
  "/api/v1/notifications?unread=true",
  "/api/v1/analytics/summary",
  "/api/v1/opportunity-stages",
  "/api/v1/me",
}

math.randomseed(os.time())

request = function()
  local headers = { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
  if math.random(10) == 1 then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/api/v1/opportunities", headers, '{"title": "Нагрузочная продажа", "amount": "1000"}')
  end
  return wrk.format("GET", reads[math.random(#reads)], headers)
end
