-- wrk script: optional POST body from a file (WRK_BODY_FILE, WRK_CONTENT_TYPE), JSON summary on stdout.
local body_file = os.getenv("WRK_BODY_FILE")
if body_file then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*all")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE")
end
-- WRK_AUTHORIZATION: one header value, or several separated by "|", used in turn (many users).
local tokens = {}
for value in string.gmatch(os.getenv("WRK_AUTHORIZATION") or "", "[^|]+") do
  table.insert(tokens, value)
end
local counter = 0
request = function()
  if #tokens > 0 then
    counter = counter + 1
    wrk.headers["Authorization"] = tokens[(counter % #tokens) + 1]
  end
  return wrk.format(nil, nil, nil, wrk.body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
