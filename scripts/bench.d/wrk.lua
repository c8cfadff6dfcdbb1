-- wrk script for scripts/bench (loopback only).
--   wrk ... -s wrk.lua URL -- sync|get keep|close [DEVICES_FILE]
-- sync: POST /api/v1/sync as enrolled devices, one line per device in DEVICES_FILE ("<device token>\t<JSON body>"),
--       rotated request by request, each with its own bearer token, exactly as the agent sends it.
-- get:  GET the URL's path (nginx's static file).
-- close: adds "Connection: close", so every request is a new TCP connection and a full TLS handshake.
-- At the end prints one line "BENCH_JSON {...}" with the counts and latency percentiles.

local requests = {}
local counter = 0

function init(args)
  local mode, connection, file = args[1], args[2], args[3]
  local close = connection == "close"
  if mode == "sync" then
    for line in io.lines(file) do
      local token, body = line:match("^([^\t]+)\t(.*)$")
      if token then
        local headers = {
          ["Content-Type"] = "application/json",
          ["Accept"] = "application/json",
          ["Authorization"] = "Bearer " .. token,
        }
        if close then headers["Connection"] = "close" end
        requests[#requests + 1] = wrk.format("POST", "/api/v1/sync", headers, body)
      end
    end
  else
    local headers = {}
    if close then headers["Connection"] = "close" end
    requests[1] = wrk.format("GET", wrk.path, headers)
  end
  assert(#requests > 0, "no requests to send")
  -- Threads start at different devices.
  counter = math.random(#requests) - 1
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeouts":%d,"latency_mean_us":%.1f,"latency_p50_us":%d,"latency_p90_us":%d,"latency_p99_us":%d,"latency_max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
