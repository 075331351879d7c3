-- wrk's request script for the HTTP benchmarks (bench/e2e/lib/wrk.ts writes its inputs):
--   wrk ... -s wrk-requests.lua URL -- PATHS_FILE [METHOD BODY_FILE CONTENT_TYPE]
-- Every request is the next of the prepared paths (one per line, each thread starting at a random
-- one), all made into raw requests once in init(), so a request costs the generator a table read.
-- done() prints one line, WRK_RESULT {json}, with the counts, latency percentiles (µs) and the
-- CPU seconds wrk itself used (os.clock is the process's CPU time, all threads).
local requests = {}
local at = 0

function init(args)
  local method, body, headers = args[2], nil, nil
  if args[3] ~= nil then
    local f = assert(io.open(args[3], 'rb'))
    body = f:read('*a')
    f:close()
    headers = { ['Content-Type'] = args[4] or 'application/json' }
  end
  for path in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  at = math.random(#requests)
end

function request()
  at = at % #requests + 1
  return requests[at]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"cpu_s":%.3f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, os.clock()))
end
