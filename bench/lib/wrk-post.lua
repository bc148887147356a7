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

-- wrk's own CPU time (user + system, all its threads, in clock ticks) from /proc, so the bench can
-- say how much of the machine the load tool took.
local function cpu_ticks()
  local f = io.open("/proc/self/stat", "r")
  if not f then return -1 end
  local stat = f:read("*a")
  f:close()
  local fields = {}
  for w in stat:match("%) (.*)"):gmatch("%S+") do fields[#fields + 1] = w end
  -- fields[1] is the state (field 3 of stat); utime and stime are fields 14 and 15.
  return tonumber(fields[12]) + tonumber(fields[13])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"duration_us":%.0f,"requests":%.0f,"bytes":%.0f,"connect_errors":%.0f,' ..
    '"read_errors":%.0f,"write_errors":%.0f,"non2xx":%.0f,"timeouts":%.0f,' ..
    '"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"max_us":%.0f,"mean_us":%.1f,"cpu_ticks":%.0f}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    cpu_ticks()))
end
