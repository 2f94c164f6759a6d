-- wrk: POST the file named by BODY with the Content-Type named by CTYPE (default JSON).
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CTYPE") or "application/json"
local extra = os.getenv("EXTRA_HEADER")
if extra and extra ~= "" then
  local k, v = extra:match("([^:]+):%s*(.*)")
  wrk.headers[k] = v
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
