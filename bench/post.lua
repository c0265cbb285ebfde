-- wrk script: POST the prediction form. run.py passes the urlencoded body and, for our app,
-- the session cookie that its CSRF token is tied to, through the environment, so one script
-- serves all three servers.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
