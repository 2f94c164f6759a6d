-- A mixed request stream for scripts/soak.sh and scripts/overload.sh: valid gradient requests
-- (answers checked), malformed JSON, shape mismatches and oversized bodies. Classifies every
-- response; done() writes the counts to the file named by the LOADCHECK_OUT environment variable.
-- args: <expected loss text> <mix: "valid" or "mixed"> <oversize bytes>
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = args[1]
  mix = args[2] or "mixed"
  local oversize = tonumber(args[3] or "0")
  local f = assert(io.open("bench/wrk/valid.json", "r"))
  local valid = f:read("*a")
  f:close()
  local headers = {["Content-Type"] = "application/json"}
  requests = { wrk.format("POST", "/v1/gradients", headers, valid) }
  if mix == "mixed" then
    table.insert(requests, wrk.format("POST", "/v1/gradients", headers, '{"network": [1, 2'))
    table.insert(requests, wrk.format("POST", "/v1/gradients", headers,
      '{"network": {"layers": [{"weights": [[1, 2]]}, {"weights": [[1, 2]]}]}, "batch": {"inputs": [[1, 2]], "targets": [[1]]}, "loss": "mse"}'))
    table.insert(requests, wrk.format("POST", "/v1/gradients", headers, valid))
    table.insert(requests, wrk.format("POST", "/v1/gradients", headers, valid))
    if oversize > 0 then
      table.insert(requests, wrk.format("POST", "/v1/gradients", headers, string.rep(" ", oversize) .. valid))
    end
  end
  n = 0
  ok, wrong, rejected, busy, bad = 0, 0, 0, 0, 0
end

function request()
  n = n + 1
  return requests[(n % #requests) + 1]
end

function response(status, headers, body)
  if status == 200 then
    if string.find(body, expected, 1, true) then ok = ok + 1 else wrong = wrong + 1 end
  elseif status == 400 or status == 413 or status == 422 then
    if string.find(body, '"status":' .. status, 1, true) then rejected = rejected + 1 else bad = bad + 1 end
  elseif status == 503 then
    busy = busy + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, wrong = 0, rejected = 0, busy = 0, bad = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
  end
  local f = io.open(os.getenv("LOADCHECK_OUT"), "w")
  f:write(string.format("ok=%d wrong=%d rejected=%d busy=%d bad=%d requests=%d socket_errors=%d p50_ms=%.2f p99_ms=%.2f rps=%.0f\n",
    t.ok, t.wrong, t.rejected, t.busy, t.bad, summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
  f:close()
end
