-- wrk script: requests at a fixed pace. Each connection waits DELAY_MS (environment,
-- default 10) before each request, so C connections offer about C * 1000 / DELAY_MS
-- requests per second while the server keeps up. LOAD=post sends post_1k.lua's 1 KB
-- JSON document, anything else GETs /hello/world. Prints one line at the end:
-- "PACED <p50 us> <p99 us> <p99.9 us> <requests> <errors>".
if os.getenv("LOAD") == "post" then
  dofile("benches/load/post_1k.lua")
else
  wrk.path = "/hello/world"
end

local delay_ms = tonumber(os.getenv("DELAY_MS") or "10")

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("PACED %d %d %d %d %d\n", latency:percentile(50),
    latency:percentile(99), latency:percentile(99.9), summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
