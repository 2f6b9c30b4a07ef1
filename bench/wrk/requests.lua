-- wrk script of bench/load.py: replays a prepared list of requests (issue #9).
--
-- WRK_REQUESTS names a file with one request per line, tab-separated:
--     METHOD <TAB> PATH <TAB> COOKIE HEADER (may be empty) <TAB> BODY (urlencoded, may be empty)
-- Sessions were created by bench/load.py through the real login form; bodies carry the session's
-- CSRF token. Thread i of WRK_THREADS sends lines i, i+T, i+2T, ... in turn (so the connections
-- walk through many students); with fewer lines than threads, every thread sends every line.
-- With WRK_ONCE=1 (quiz submissions: each line is one open attempt) a thread that has used all its
-- lines starts again from its first (an already submitted attempt), and the number of such
-- requests is reported as "exhausted" (bench/load.py sizes the pool so that it stays 0).
-- done() prints one JSON line, prefixed with "WRK_JSON ", that bench/load.py reads.

local threads = {}
counter = 0
exhausted = 0
statuses = {}
reqs = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  local file = assert(io.open(os.getenv("WRK_REQUESTS"), "r"))
  local all = {}
  for line in file:lines() do
    if line ~= "" then table.insert(all, line) end
  end
  file:close()
  if #all < nthreads then nthreads = 1; id_ = 0 else id_ = id end  -- fewer lines than threads: all take all
  for index, line in ipairs(all) do
    do
      if (index - 1) % nthreads == id_ then
        local f = split(line)
        local headers = { ["User-Agent"] = "cyberaware-bench" }
        if f[3] and f[3] ~= "" then headers["Cookie"] = f[3] end
        local body = nil
        if f[4] and f[4] ~= "" then
          body = f[4]
          headers["Content-Type"] = "application/x-www-form-urlencoded"
        end
        table.insert(reqs, wrk.format(f[1], f[2], headers, body))
      end
    end
  end
  nlines = #reqs
  once = os.getenv("WRK_ONCE") == "1"
end

function request()
  counter = counter + 1
  if counter > #reqs then
    if once then
      exhausted = exhausted + 1  -- resent: the app answers "already submitted" (reported, not hidden)
    end
    return reqs[((counter - 1) % #reqs) + 1]
  end
  return reqs[counter]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local codes = {}
  local lines = 0
  local ex = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do
      codes[code] = (codes[code] or 0) + n
    end
    lines = lines + (thread:get("nlines") or 0)
    ex = ex + (thread:get("exhausted") or 0)
  end
  local parts = {}
  for code, n in pairs(codes) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"min": %d, "mean": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p95": %d, "p99": %d}, "statuses": {%s}, "lines": %d, "exhausted": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), table.concat(parts, ", "), lines, ex))
end
