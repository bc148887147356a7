-- wrk script of the clickflow benches: POSTs the JSON bodies in $BENCH_BODY_FILE (one per line, used
-- in turn, formatted once per thread) and prints one summary line (BENCH_JSON {...}) at the end.
local bodies = {}
for line in io.lines(os.getenv("BENCH_BODY_FILE")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local prepared = {}
local turn = 0

function init(args)
  for i, body in ipairs(bodies) do prepared[i] = wrk.format("POST", nil, nil, body) end
end

function request()
  turn = turn % #prepared + 1
  return prepared[turn]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%.0f,"requests":%.0f,"bytes":%.0f,"connect_errors":%.0f,' ..
    '"read_errors":%.0f,"write_errors":%.0f,"non2xx":%.0f,"timeouts":%.0f,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
