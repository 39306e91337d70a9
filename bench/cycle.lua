-- wrk script: each thread cycles through the paths in the file given after `--`,
-- counts every response that is not 200, and done() prints one JSON line for bench/catalogue.py.
--
--   wrk -t2 -c16 -d15s --latency -s bench/cycle.lua http://127.0.0.1:PORT -- paths.txt

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("id", thread_count)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      if #line > 0 then
         paths[#paths + 1] = line
      end
   end
   -- Threads start at different places in the list, so they do not request the same page together.
   index = math.floor((id - 1) * #paths / 2) % #paths
   responses = 0
   non200 = 0
   statuses = {}
end

function request()
   index = index % #paths + 1
   return wrk.format("GET", paths[index])
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      non200 = non200 + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local responses_total, non200_total, by_status = 0, 0, {}
   for _, thread in ipairs(threads) do
      responses_total = responses_total + thread:get("responses")
      non200_total = non200_total + thread:get("non200")
      for status, n in pairs(thread:get("statuses")) do
         by_status[status] = (by_status[status] or 0) + n
      end
   end
   local codes = ""
   for status, n in pairs(by_status) do
      codes = codes .. status .. " x" .. n .. " "
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "responses": %d, "non200": %d, "non200_codes": "%s", ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d}}\n',
      summary.requests, summary.duration, responses_total, non200_total, codes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency.max))
end
