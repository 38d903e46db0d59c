-- wrk script: POST /api/query with one SQL body (SERVE_SQL in the environment, else an
-- indexed top-25). Used by Benchmarks/results/serve.md:
--   wrk -t4 -c32 -d60s --latency -s Benchmarks/serve/query.lua http://127.0.0.1:PORT/api/query
local sql = os.getenv("SERVE_SQL") or
  "SELECT mask_id, CP(mask, object, 0.8, 1.0) / AREA(object) AS r FROM masks WHERE mask_type = 1 ORDER BY r ASC LIMIT 25"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"sql": "' .. sql .. '", "use_index": true}'

done = function(summary, latency, requests)
  io.write(string.format("requests %d, errors connect %d read %d write %d status %d timeout %d (status: responses other than 2xx/3xx)\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
