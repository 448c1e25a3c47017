-- wrk script: POST /api/chat, one question per request from a file of JSON bodies.
-- Each thread takes every n-th line, so no two requests in a run share a question while
-- the file lasts; each thread stops after `limit` responses and logs every one of them.
-- Usage: wrk -t T -c C -d D -s chat.lua URL -- BODIES LOG_PREFIX T LIMIT

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")

-- Monotonic seconds, so the log shows when each response arrived (and the real run time
-- when a thread stops at its limit before wrk's -d is up).
local function now()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) * 1e-9
end

local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file, prefix = args[1], args[2]
  local threads, limit_arg = tonumber(args[3]), tonumber(args[4])
  limit = limit_arg
  mine = {}
  local n = 0
  for line in io.lines(file) do
    if n % threads == id then
      mine[#mine + 1] = line
    end
    n = n + 1
  end
  sent, got = 0, 0
  log = io.open(prefix .. "." .. id, "w")
  log:setvbuf("line")
  headers = { ["Content-Type"] = "application/json" }
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/api/chat", headers, mine[((sent - 1) % #mine) + 1])
end

function response(status, headers, body)
  got = got + 1
  local kind = body:match('"kind":%s*"([%a_]+)"') or "-"
  log:write(id, "\t", got, "\t", status, "\t", kind, "\t", #body, "\t",
            string.format("%.6f", now()), "\n")
  if got >= limit then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status,
    e.timeout))
end
