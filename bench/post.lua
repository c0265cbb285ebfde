-- POST the prediction form, the urlencoded body bench/probe.py passes in the environment,
-- and print the summary as one JSON line for it.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function done(summary, latency, requests)
  local e = summary.errors  -- failed: socket errors plus non-2xx/3xx answers
  io.write(string.format(
    '{"rps": %.2f, "p50_ms": %.3f, "p99_ms": %.3f, "requests": %d, "errors": %d}\n',
    summary.requests / summary.duration * 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout + e.status))
end
