-- wrk script for bench/run.py and bench/soak.py; the summary is printed as one JSON line (wrk's
-- own --latency output rounds and varies in units).
--
-- One request repeated: BENCH_METHOD and BENCH_BODY (the URL's path is the path).
-- A cycle of requests: BENCH_REQUESTS names a file, one request a line, "METHOD<TAB>PATH" or
-- "METHOD<TAB>PATH<TAB>BODY"; each wrk thread goes through it in order, again and again (with
-- as many threads as connections, each connection runs the cycle from its first line).
-- BENCH_STOP_AFTER=N: once a thread has had N answers it prints "BENCH_STOPPED" and stops;
-- wrk itself waits for its -d duration or SIGINT, which the caller sends on that line.
-- The token is BENCH_TOKEN (the default scenario's documented one by default).
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN") or "sntrys_TOKEN"
local list = os.getenv("BENCH_REQUESTS")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "0") or 0

wrk.method = method
wrk.headers["Authorization"] = "Bearer " .. token
if body ~= nil and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

local cycle = nil
local position = 0
answers = 0
created = 0

init = function(args)
  if list == nil or list == "" then
    return
  end
  cycle = {}
  for line in io.lines(list) do
    local m, p, b = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if m ~= nil then
      local headers = { ["Authorization"] = "Bearer " .. token }
      if b == "" then
        b = nil
      else
        headers["Content-Type"] = "application/json"
      end
      table.insert(cycle, wrk.format(m, p, headers, b))
    end
  end
end

if list ~= nil and list ~= "" then
  -- Defined only for a cycle: without a request() function wrk sends one prepared request.
  request = function()
    position = position % #cycle + 1
    return cycle[position]
  end
end

if stop_after > 0 then
  -- Defined only when asked for: with a response() function wrk parses every answer for Lua.
  response = function(status, headers, body)
    answers = answers + 1
    if status == 201 then
      created = created + 1
    end
    if answers == stop_after then
      io.write("BENCH_STOPPED\n")
      io.flush()
      wrk.thread:stop()
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local made = 0
  for _, thread in ipairs(threads) do
    made = made + (thread:get("created") or 0)
  end
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"socket_errors":%d,' ..
    '"non2xx":%d,"created":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, made))
end
