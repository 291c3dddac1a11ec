-- Shared by every workload script (loaded with dofile): per-thread random seeds, the hot set,
-- JSON output of the summary in done(), and per-status counts when a script tracks them.
-- wrk runs one Lua state per thread plus one for setup/done; latency is in microseconds.

local common = {}

common.hot_set = tonumber(os.getenv("HOT_SET") or "1000")
common.json_headers = { ["Content-Type"] = "application/json" }

local threads = {}
local next_id = 0

-- Called by wrk in the main state once per thread, before the run.
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- GET of each hot-set product, formatted once per thread in init_thread(): the load generator
-- shares the machine with the service, so the less CPU it spends per request the less it takes
-- from what is measured (and pgbench does not format its statements per call either).
local reads = {}

function common.init_thread()
  -- `thread_id` was set by setup(); a fixed seed per thread keeps runs comparable.
  math.randomseed(1000 + (thread_id or 0))
  for i = 0, common.hot_set - 1 do
    reads[i] = wrk.format("GET", "/v1/products/hot-" .. i)
  end
end

-- N of a hot-set product, uniform in 0 … hot_set - 1.
local function hot_index()
  return math.random(0, common.hot_set - 1)
end

function common.hot_name()
  return "hot-" .. hot_index()
end

-- GET /v1/products/hot-N.
function common.hot_read()
  return reads[hot_index()]
end

local function json_escape(s)
  return (tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end))
end

-- Writes one JSON object to $WRK_JSON: throughput, latency percentiles and every kind of error.
function done(summary, latency, requests)
  local path = os.getenv("WRK_JSON")
  if not path then return end
  local e = summary.errors
  local statuses = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("status_counts")
    if type(counts) == "table" then
      for status, n in pairs(counts) do
        statuses[tostring(status)] = (statuses[tostring(status)] or 0) + n
      end
    end
  end
  local parts = {}
  for status, n in pairs(statuses) do
    table.insert(parts, string.format('"%s":%d', json_escape(status), n))
  end
  local f = assert(io.open(path, "w"))
  f:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ",")))
  f:close()
end

return common
