-- wrk script for bench/http/run.py: every request is a different first-time guest posting a
-- comment through Byline's form handler (POST /comments/post/<id>/), carrying what byline.js
-- fetches from /session/csrf/ for a stranger's form: a CSRF cookie with its masked form token
-- and a signed, single-use form stamp. Each request takes the next unused line of the
-- credentials file that `sitectl.py reset` wrote just before this run (cookie secret, token,
-- stamp dated 30 s back, an address of its own /64 in 2001:db8::/32 sent as X-Forwarded-For,
-- an e-mail local part), and sends a distinct text.
--
-- Byline answers 303 (stored: published, held or spam), 429 (rate limited), 403 (CSRF check
-- failed: the "confirm your comment" page), 400 (form invalid) or 200 (the nudge).
--
-- Environment: BENCH_CREDS (credentials file), BENCH_ORIGIN (e.g. http://127.0.0.1:8300),
-- BENCH_THREADS (wrk -t, so that each thread takes its own share of the file),
-- BENCH_REPORT_LUA (report.lua).
dofile(os.getenv("BENCH_REPORT_LUA"))
local report_done = done

local creds_path = os.getenv("BENCH_CREDS")
local origin = os.getenv("BENCH_ORIGIN")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")

local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local lines = {}
local pos = 0
wrapped, s2xx, s3xx, s403, s429, s4xx, s5xx, sother = 0, 0, 0, 0, 0, 0, 0, 0
function init(args)
  local all = {}
  for line in io.lines(creds_path) do all[#all + 1] = line end
  local size = math.floor(#all / nthreads)
  for i = tid * size + 1, (tid + 1) * size do lines[#lines + 1] = all[i] end
end

local function enc(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local counter = 0
function request()
  counter = counter + 1
  pos = pos + 1
  if pos > #lines then pos = 1; wrapped = wrapped + 1 end
  local secret, token, stamp, ip, who =
    lines[pos]:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)\t(%S+)$")
  local body = "csrfmiddlewaretoken=" .. enc(token) ..
    "&parent=&name=" .. enc("Bench Reader " .. (counter % 97)) ..
    "&email=" .. enc("reader-" .. who .. "@example.invalid") ..
    "&url=&body=" .. enc(string.format(
      "Comment %s (thread %d, #%d). Thanks for the write-up; the part about the ferry " ..
      "timetable matched what we saw on the island, although the winter numbers were lower.",
      who, tid or 0, counter)) ..
    "&homepage=&shown=" .. enc(stamp)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=" .. secret,
    ["Origin"] = origin,
    ["X-Forwarded-For"] = ip,
    ["User-Agent"] = "wrk byline http bench",
  }, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status == 403 then s403 = s403 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 then s5xx = s5xx + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local t = {s2xx = 0, s3xx = 0, s403 = 0, s429 = 0, s4xx = 0, s5xx = 0, sother = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  io.write(string.format(
    'POSTSTATUS {"2xx":%d,"3xx":%d,"403":%d,"429":%d,"other_4xx":%d,"5xx":%d,"other":%d,' ..
    '"creds_reused_rounds":%d}\n',
    t.s2xx, t.s3xx, t.s403, t.s429, t.s4xx, t.s5xx, t.sother, t.wrapped))
end
