-- wrk reporting hook for bench/http/run.py: prints one machine-readable line at the end.
-- Latencies in milliseconds, from wrk's own histogram (exact percentiles, not the rounded
-- --latency table). Used alone for the GET targets; post.lua loads it and adds its own line.
-- `err_status` is wrk's count of responses with a status >= 400 (non-2xx/3xx).
done = function(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests":%d,"seconds":%.3f,"bytes":%d,"rps":%.3f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"err_connect":%d,"err_read":%d,"err_write":%d,' ..
    '"err_status":%d,"err_timeout":%d}\n',
    summary.requests, secs, summary.bytes, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
