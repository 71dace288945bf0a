-- wrk script for the "mixed" scenario: 80 % GET of a random patient, 20 % POST of a new patient.
-- Registering a patient is the only write the API has so far; it stands in for "a small clinical
-- record" until observations or notes have an endpoint.
--
-- Arguments (after `--` on wrk's command line):
--   1. the patient id ranges to read from, as "lo-hi,lo-hi" (ids of the benchmark clinic only)
--   2. the share of writes in percent (default 20)
-- The Authorization header comes from wrk's -H option (wrk.headers).

local ranges = {}
local total = 0
local write_percent = 20
local post_headers = nil
local body = '{"family_name":"Benchmark","given_names":"Mixed","birth_date":"1980-01-01",'
  .. '"gender":"unknown"}'

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  for lo, hi in string.gmatch(args[1] or "", "(%d+)-(%d+)") do
    lo, hi = tonumber(lo), tonumber(hi)
    table.insert(ranges, { lo, hi })
    total = total + (hi - lo + 1)
  end
  if total == 0 then
    error("mixed.lua needs the patient id ranges as its first argument, e.g. 1-50,59-1008")
  end
  if args[2] then
    write_percent = tonumber(args[2])
  end
  -- The same sequence of requests on every run (one seed per wrk thread).
  math.randomseed(1000 + (thread_number or 0))
  post_headers = {}
  for name, value in pairs(wrk.headers) do
    post_headers[name] = value
  end
  post_headers["Content-Type"] = "application/json"
end

function request()
  if math.random(100) <= write_percent then
    return wrk.format("POST", "/api/v1/patients", post_headers, body)
  end
  local n = math.random(total) - 1
  for _, range in ipairs(ranges) do
    local size = range[2] - range[1] + 1
    if n < size then
      return wrk.format("GET", "/api/v1/patients/" .. (range[1] + n))
    end
    n = n - size
  end
end
