-- wrk script: small JSON POSTs to /users/{id}, paced. Each connection waits DELAY_MS
-- (environment, default 10) before each request, so C connections send at most
-- C * 1000 / (DELAY_MS + latency) requests per second.
wrk.method = "POST"
wrk.path = "/users/42"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"name":"Ann","email":"ann@example.com","password":"hunter2","plan":"pro"}'

local delay_ms = tonumber(os.getenv("DELAY_MS") or "10")

function delay()
  return delay_ms
end
