-- wrk script: POST the prediction form, the urlencoded body that bench/probe.py passes
-- through the environment, so one script serves all three servers.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
